using System.Diagnostics.Metrics;
using CacheWarmer.IntegrationTests.Http;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Warmups;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CacheWarmer.IntegrationTests.Warmups;

/// <summary>HotKeys:PinnedCapacity bounds what a warmup's Ids query and pins add beyond HotKeys:Capacity.</summary>
public sealed class PinnedCapacityTests(RedisFixture redis, PostgresFixture postgres)
{
    private const string Name = "rush";

    [Fact]
    public async Task A_warmup_whose_Ids_query_returns_more_than_PinnedCapacity_warms_only_that_many_keys()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("pinned_capacity_ids"), 1000, cancellation);
        var config = Config(catalog, "SELECT id FROM products ORDER BY id").With("CacheWarmer:HotKeys:PinnedCapacity", "50");
        await using var host = await WorkerHost.StartAsync(config);
        using var reached = new MetricCollector<long>(host.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.pin_capacity.reached");

        Assert.Equal(WarmupFiringOutcome.Warmed, await host.Get<WarmupRunner>().RunAsync(Name, Now(), cancellation));

        Assert.Equal(Enumerable.Range(1, 50), (await catalog.LoadsAsync()).Keys.Order());
        var counted = Assert.Single(reached.GetMeasurementSnapshot());
        Assert.Equal(("ids", 1L), ((string)counted.Tags["source"]!, counted.Value));
    }

    [Fact]
    public async Task A_warmup_whose_Ids_query_returns_ten_million_rows_stops_reading_at_PinnedCapacity()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("pinned_capacity_huge"), 20, cancellation);
        var config = Config(catalog, "SELECT g FROM generate_series(1, 10000000) g").With("CacheWarmer:HotKeys:PinnedCapacity", "20");
        await using var host = await WorkerHost.StartAsync(config);

        Assert.Equal(WarmupFiringOutcome.Warmed, await host.Get<WarmupRunner>().RunAsync(Name, Now(), cancellation));

        Assert.Equal(20, (await catalog.LoadsAsync()).Count);
    }

    [Fact]
    public async Task Warmed_keys_beyond_Capacity_plus_PinnedCapacity_are_not_kept_warm()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("pinned_capacity_pins"), 20, cancellation);
        var config = Config(catalog, "SELECT id FROM products")
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "60")
            .With("CacheWarmer:HotKeys:Capacity", "2")
            .With("CacheWarmer:HotKeys:PinnedCapacity", "5");
        await using var host = await WorkerHost.StartAsync(config);
        using var reached = new MetricCollector<long>(host.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.pin_capacity.reached");
        using var client = host.CreateClient();
        var keys = string.Join(", ", Enumerable.Range(1, 20).Select(id => $"\"{config.Key(id)}\""));

        var response = await client.PostWarmAsync($"{{\"keys\": [{keys}]}}", "?wait=true");

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellation));
        // Every key is warmed once; only 2 + 5 are then kept warm.
        Assert.Equal(20, (await catalog.LoadsAsync()).Count);
        await Eventually.UntilAsync(
            () => reached.GetMeasurementSnapshot().Sum(m => m.Value) == 13,
            TimeSpan.FromSeconds(10),
            "13 pins should be refused");
        Assert.All(reached.GetMeasurementSnapshot(), m => Assert.Equal("pin", m.Tags["source"]));
        Assert.Equal(7, ManagedKeys(host));
    }

    private static int ManagedKeys(WorkerHost host)
    {
        using var gauge = new MetricCollector<int>(host.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.managed_keys");
        gauge.RecordObservableInstruments();
        return gauge.LastMeasurement!.Value;
    }

    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());

    private WorkerConfig Config(PostgresCatalog catalog, string ids, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        new WorkerConfig(redis.Configuration, RedisFixture.UniquePrefix(test))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With($"CacheWarmer:Warmups:{Name}:Cron", "0 0 0 1 1 ? 2099")
            .With($"CacheWarmer:Warmups:{Name}:Loader", "product")
            .With($"CacheWarmer:Warmups:{Name}:Ids", ids)
            .With($"CacheWarmer:Warmups:{Name}:MaxPerSecond", "2000")
            .With($"CacheWarmer:Warmups:{Name}:Pin", "00:10:00");
}
