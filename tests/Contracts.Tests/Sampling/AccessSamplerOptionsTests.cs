using CacheWarmer.Contracts.Sampling;
using StackExchange.Redis;

namespace CacheWarmer.Contracts.Tests.Sampling;

public sealed class AccessSamplerOptionsTests
{
    public static TheoryData<string, Action<AccessSamplerOptions>> BadOptions => new()
    {
        { "SampleRate", o => o.SampleRate = 0 },
        { "SampleRate", o => o.SampleRate = 1.01 },
        { "SampleRate", o => o.SampleRate = double.NaN },
        { "FlushInterval", o => o.FlushInterval = TimeSpan.Zero },
        { "FlushInterval", o => o.FlushInterval = TimeSpan.FromDays(2) },
        { "MaxKeysPerFlush", o => o.MaxKeysPerFlush = 0 },
        { "Database", o => o.Database = -2 },
        { "KeyPrefix", o => o.KeyPrefix = null! },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task A_bad_option_fails_construction_naming_the_option(string option, Action<AccessSamplerOptions> spoil)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200");
        var options = new AccessSamplerOptions();
        spoil(options);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AccessSampler(redis, options));

        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new AccessSamplerOptions();

        Assert.Equal("cw:", options.KeyPrefix);
        Assert.Equal(1.0, options.SampleRate);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FlushInterval);
        Assert.Equal(10_000, options.MaxKeysPerFlush);
        Assert.Equal(-1, options.Database);
    }
}
