using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// The worker as its own process, configured by environment variables alone: without a <c>Serilog</c> section it logs
/// to the console at Information (Microsoft's categories at Warning); with one, that section decides.
/// </summary>
public sealed class DefaultLoggingTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task A_worker_without_a_Serilog_section_logs_its_start_to_the_console()
    {
        var config = await ConfigAsync("default_logging");

        await using var worker = await WorkerProcess.StartAsync(config, serilogSection: false);

        var output = worker.Output;
        Assert.Contains(WorkerProcess.ApiListening, output, StringComparison.Ordinal);
        Assert.Contains("CacheWarmer.Worker.Keys.ManagedKeys: Replica ", output, StringComparison.Ordinal);
        Assert.Contains($"key prefix {config.Prefix}cw:", output, StringComparison.Ordinal);

        // Microsoft's categories log only warnings: the host's information lines stay out.
        Assert.DoesNotContain("Content root path", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Serilog_section_wins_over_the_default()
    {
        // The test configuration's Serilog section: the console, CacheWarmer at Warning, the host's lifetime at Information.
        var config = await ConfigAsync("explicit_logging");

        await using var worker = await WorkerProcess.StartAsync(config);

        var output = worker.Output;
        Assert.Contains("Application started", output, StringComparison.Ordinal);
        Assert.DoesNotContain(WorkerProcess.ApiListening, output, StringComparison.Ordinal);
    }

    private async Task<WorkerConfig> ConfigAsync(string name)
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync(name), 1, TestContext.Current.CancellationToken);
        return new WorkerConfig(redis.Configuration, RedisFixture.UniquePrefix(name)).WithPostgres(catalog.ConnectionString);
    }
}
