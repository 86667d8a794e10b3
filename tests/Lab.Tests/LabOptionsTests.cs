using CacheWarmer.StampedeLab;

namespace CacheWarmer.Lab.Tests;

public sealed class LabOptionsTests
{
    [Theory]
    [InlineData("--requests", "many", "--requests")]
    [InlineData("--strategy", "none,memcached", "memcached")]
    [InlineData("--scenario", "herd", "expiry, zipf, bursts or warmup")]
    [InlineData("--scenario", "Bursts", "expiry, zipf, bursts or warmup")]
    [InlineData("--bursts", "0", "--bursts 0: expected a whole number")]
    [InlineData("--bursts", "21", "limits: 1 to 20")]
    [InlineData("--lead", "0.5", "--lead 0.5: expected seconds")]
    [InlineData("--lead", "soon", "limits: 1 to 600")]
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

    [Fact]
    public void The_bursts_scenario_defaults_to_three_bursts_of_the_expiry_shape()
    {
        var options = LabOptions.Parse(["--scenario", "bursts"], out var error);
        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(LabScenario.Bursts, options.Scenario);
        Assert.Equal(3, options.Bursts);
        Assert.Equal(TimeSpan.FromSeconds(2), options.BackendDelay);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Ttl);
        Assert.True(options.BurstsAtExpiry);
    }

    [Fact]
    public void The_warmup_scenario_reads_its_keys_and_lead()
    {
        var options = LabOptions.Parse(["--scenario", "warmup", "--keys", "20", "--lead", "4.5", "--bursts", "7"], out var error);
        Assert.Null(error);
        Assert.NotNull(options);
        Assert.Equal(LabScenario.Warmup, options.Scenario);
        Assert.Equal(20, options.Keys);
        Assert.Equal(TimeSpan.FromSeconds(4.5), options.Lead);
        Assert.Equal(7, options.Bursts);
        Assert.Equal(100, LabOptions.Parse(["--scenario", "warmup"], out _)!.Keys);
        Assert.Equal(TimeSpan.FromSeconds(10), LabOptions.Parse(["--scenario", "warmup"], out _)!.Lead);
    }

    [Fact]
    public void A_warmup_of_more_than_10000_keys_is_refused_naming_keys()
    {
        Assert.Null(LabOptions.Parse(["--scenario", "warmup", "--keys", "10001"], out var error));
        Assert.StartsWith("--keys 10001:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_FusionCache_strategies_parse_and_the_one_beside_the_worker_needs_a_ttl_the_worker_can_refresh_in()
    {
        var options = LabOptions.Parse(["--strategy", "fusioncache-full,fusioncache+cachewarmer"], out var error);
        Assert.Null(error);
        Assert.Equal(["fusioncache-full", "fusioncache+cachewarmer"], options!.Strategies);

        Assert.NotNull(LabOptions.Parse(["--strategy", "fusioncache-full", "--ttl", "2", "--backend-delay", "0.5"], out _));
        Assert.Null(LabOptions.Parse(["--strategy", "fusioncache+cachewarmer", "--ttl", "2", "--backend-delay", "0.5"], out error));
        Assert.StartsWith("--ttl 2:", error, StringComparison.Ordinal);
    }
}
