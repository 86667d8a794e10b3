using CacheWarmer.StampedeLab;

namespace CacheWarmer.Lab.Tests;

public sealed class LabOptionsTests
{
    [Theory]
    [InlineData("--requests", "many", "--requests")]
    [InlineData("--strategy", "none,memcached", "memcached")]
    [InlineData("--scenario", "herd", "expiry or zipf")]
    [InlineData("--bogus", "1", "Unknown option --bogus")]
    public void A_bad_flag_names_the_flag_and_the_fix(string name, string value, string expected)
    {
        Assert.Null(LabOptions.Parse([name, value], out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ttl_the_worker_cannot_refresh_in_is_refused_naming_ttl()
    {
        Assert.Null(LabOptions.Parse(["--ttl", "2", "--backend-delay", "0.5"], out var error));
        Assert.StartsWith("--ttl 2:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_command_line_exits_with_2()
    {
        var (exitCode, report) = await LabProgram.RunAsync(["--replicas", "0"], TestContext.Current.CancellationToken);
        Assert.Equal(LabProgram.UsageError, exitCode);
        Assert.Null(report);
    }

    [Fact]
    public void The_defaults_are_the_classic_stampede()
    {
        var options = LabOptions.Parse([], out var error);
        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(100, options.Requests);
        Assert.Equal(TimeSpan.FromSeconds(2), options.BackendDelay);
        Assert.Equal(LabOptions.AllStrategies, options.Strategies);
    }
}
