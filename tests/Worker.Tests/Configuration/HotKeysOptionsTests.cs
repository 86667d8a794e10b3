using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Configuration;

public sealed class HotKeysOptionsTests
{
    [Theory]
    [InlineData(1.0, 1_000_000, 1_000_000)]
    [InlineData(0.0, 1_000_000, HotKeysOptions.RankingCapacity)]
    [InlineData(0.0, 5_000, 5_000)]
    public void The_model_tracks_capacity_keys_unless_it_only_ranks_them(double minRate, int capacity, int expected)
    {
        var options = new HotKeysOptions { MinRatePerMinute = minRate, Capacity = capacity };

        Assert.Equal(expected, options.ModelCapacity);
        Assert.Equal(expected, new HotKeyModel(Options.Create<HotKeyOptions>(options), new FakeTimeProvider()).Capacity);
    }

    [Fact]
    public void The_model_capacity_is_not_a_setting()
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Capacity"] = "300000", ["MinRatePerMinute"] = "2", ["ModelCapacity"] = "7" })
            .Build();

        var options = section.Get<HotKeysOptions>()!;

        Assert.Equal(300_000, options.ModelCapacity);
    }
}
