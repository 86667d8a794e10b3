using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Http;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Warmups;

namespace CacheWarmer.IntegrationTests.Warmups;

/// <summary>Scheduled warmups on real Redis and PostgreSQL: each firing runs once across replicas, through the refresher.</summary>
public sealed class WarmupFiringTests(RedisFixture redis, PostgresFixture postgres)
{
    private const string Name = "rush";

    [Fact]
    public async Task Three_replicas_given_the_same_firing_run_it_once_and_load_each_key_once()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("warmup_three_replicas"), 400, cancellation);
        var config = Config(catalog, "SELECT id FROM products WHERE id <= 300 ORDER BY id");
        config.With($"CacheWarmer:Warmups:{Name}:Keys:0", config.Key(350));
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        await using var c = await WorkerHost.StartAsync(config);
        var fire = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());

        var outcomes = await Task.WhenAll(new[] { a, b, c }.Select(h => h.Get<WarmupRunner>().RunAsync(Name, fire, cancellation)));

        Assert.Equal(1, outcomes.Count(o => o == WarmupFiringOutcome.Warmed));
        Assert.Equal(2, outcomes.Count(o => o == WarmupFiringOutcome.DoneElsewhere));
        var loads = await catalog.LoadsAsync();
        Assert.Equal(301, loads.Count);
        Assert.All(loads, l => Assert.True(l.Value.Count == 1, $"product {l.Key} was loaded {l.Value.Count} times"));
        Assert.Contains(350, loads.Keys);
        var db = redis.Connection.GetDatabase();
        var present = await Task.WhenAll(Enumerable.Range(1, 300).Append(350).Select(id => db.KeyExistsAsync(config.Key(id))));
        Assert.All(present, Assert.True);
        var leaseKey = WorkerKeys.Warmup(config.Prefix + "cw:", Name, fire.ToUnixTimeMilliseconds());
        Assert.Equal(WarmupLease.Done, (string?)await db.StringGetAsync(leaseKey));
        Assert.True(await db.KeyTimeToLiveAsync(leaseKey) is { } ttl && ttl > TimeSpan.Zero, "the done marker must expire with the window");

        // The replica that ran it shows the firing's progress at GET /warm/{name}-{fire ms}, like an ops warm.
        var winner = new[] { a, b, c }[Array.IndexOf(outcomes, WarmupFiringOutcome.Warmed)];
        using var client = winner.CreateClient();
        var progress = await (await client.GetAsync("warm/" + WarmupRunner.FiringId(Name, fire), cancellation)).JsonAsync();
        Assert.Equal((301, 301, 0, "completed"), (progress.GetProperty("total").GetInt32(), progress.GetProperty("done").GetInt32(), progress.GetProperty("failed").GetInt32(), progress.GetProperty("state").GetString()));

        // The same firing again (a replica restarted inside the window) finds it done and loads nothing.
        Assert.Equal(WarmupFiringOutcome.DoneElsewhere, await a.Get<WarmupRunner>().RunAsync(Name, fire, cancellation));
        Assert.Equal(301, (await catalog.LoadsAsync()).Sum(l => l.Value.Count));
    }

    [Fact]
    public async Task A_firing_whose_window_has_ended_is_skipped_and_loads_nothing()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("warmup_missed"), 10, cancellation);
        await using var host = await WorkerHost.StartAsync(Config(catalog, "SELECT id FROM products"));
        var longAgo = TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(11);

        var outcome = await host.Get<WarmupRunner>().RunAsync(Name, longAgo, cancellation);

        Assert.Equal(WarmupFiringOutcome.Skipped, outcome);
        Assert.Equal(0, await catalog.AttemptsAsync());
    }

    [Fact]
    public async Task An_ids_query_returning_the_wrong_type_fails_that_firing_only_and_the_keys_are_still_warmed()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("warmup_wrong_type"), 10, cancellation);
        var config = Config(catalog, "SELECT price FROM products");
        config.With($"CacheWarmer:Warmups:{Name}:Keys:0", config.Key(7));
        await using var host = await WorkerHost.StartAsync(config);
        var runner = host.Get<WarmupRunner>();
        var now = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());

        var first = await runner.RunAsync(Name, now, cancellation);
        var second = await runner.RunAsync(Name, now + TimeSpan.FromSeconds(1), cancellation);

        // price is numeric with cents (1.25, 2.50, ...): not an id. The explicit key is warmed all the same.
        Assert.Equal(WarmupFiringOutcome.Warmed, first);
        Assert.Equal(WarmupFiringOutcome.Warmed, second);
        var loads = await catalog.LoadsAsync();
        Assert.Equal([7], loads.Keys);
    }

    [Fact]
    public async Task A_cron_trigger_every_two_seconds_fires_on_three_replicas_and_each_key_is_loaded_once()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("warmup_cron"), 50, cancellation);
        var config = Config(catalog, "SELECT id FROM products WHERE id <= 50")
            .With($"CacheWarmer:Warmups:{Name}:Cron", "0/2 * * * * ?");
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        await using var c = await WorkerHost.StartAsync(config);
        var db = redis.Connection.GetDatabase();

        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(Enumerable.Range(1, 50).Select(id => db.KeyExistsAsync(config.Key(id))))).All(x => x),
            TimeSpan.FromSeconds(30),
            "every key of the warmup is in Redis");

        var loads = await catalog.LoadsAsync();
        Assert.Equal(50, loads.Count);
        Assert.All(loads, l => Assert.True(l.Value.Count == 1, $"product {l.Key} was loaded {l.Value.Count} times"));
    }

    [Fact]
    public async Task A_firing_of_5000_keys_at_MaxPerSecond_500_never_loads_faster_as_the_database_sees_it()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("warmup_pace"), 5000, cancellation);
        var config = Config(catalog, "SELECT id FROM products")
            .With($"CacheWarmer:Warmups:{Name}:MaxPerSecond", "500")
            .With($"CacheWarmer:Warmups:{Name}:MaxConcurrency", "32");
        await using var host = await WorkerHost.StartAsync(config);
        var fire = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());

        Assert.Equal(WarmupFiringOutcome.Warmed, await host.Get<WarmupRunner>().RunAsync(Name, fire, cancellation));

        // The database's own clock (clock_timestamp() of each load): the most loads in any one-second window.
        var at = (await catalog.LoadsAsync()).SelectMany(l => l.Value).Order().ToArray();
        Assert.Equal(5000, at.Length);
        var busiest = 0;
        for (int first = 0, last = 0; last < at.Length; last++)
        {
            while (at[last] - at[first] >= TimeSpan.FromSeconds(1))
            {
                first++;
            }

            busiest = Math.Max(busiest, last - first + 1);
        }

        Assert.True(busiest <= 500, $"{busiest} loads reached the database within one second");
        Assert.True(at[^1] - at[0] >= TimeSpan.FromSeconds(9.5), $"5,000 keys at 500/s took {(at[^1] - at[0]).TotalSeconds:F1} s");
    }

    private WorkerConfig Config(PostgresCatalog catalog, string ids, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        new WorkerConfig(redis.Configuration, RedisFixture.UniquePrefix(test))
            .WithPostgres(catalog.ConnectionString)
            // Five-minute TTLs: no refresh cycle adds a load while the test counts them.
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With($"CacheWarmer:Warmups:{Name}:Cron", "0 0 0 1 1 ? 2099")
            .With($"CacheWarmer:Warmups:{Name}:Loader", "product")
            .With($"CacheWarmer:Warmups:{Name}:Ids", ids)
            .With($"CacheWarmer:Warmups:{Name}:MaxPerSecond", "2000")
            .With($"CacheWarmer:Warmups:{Name}:Pin", "00:10:00");
}
