using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Warmups;

namespace CacheWarmer.IntegrationTests.Warmups;

/// <summary>A firing's lease keep-alive under Redis errors: one error is survived; a lease that cannot be kept stops the firing.</summary>
public sealed class WarmupLeaseFaultTests(RedisFixture redis, PostgresFixture postgres)
{
    private const string Name = "rush";

    [Fact]
    public async Task A_firing_whose_lease_extension_fails_once_keeps_its_lease_and_completes()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("warmup_extend_once"), 60, cancellation);
        // 60 keys at 8 a second: about 7.5 s, past the 6 s lease, which is extended every 2 s.
        var config = Config(catalog, maxPerSecond: 8).With("CacheWarmer:Refresh:LeaseTtl", "00:00:06");
        var faulty = new FaultyRedis();
        var failNext = 1;
        faulty.Fails = (method, args) => IsExtension(method, args) && Interlocked.Decrement(ref failNext) >= 0;
        await using var host = await WorkerHost.StartAsync(config, faulty.Install);

        var outcome = await host.Get<WarmupRunner>().RunAsync(Name, Now(), cancellation);

        Assert.Equal(1, faulty.Faults);
        Assert.Equal(WarmupFiringOutcome.Warmed, outcome);
        Assert.Equal(60, (await catalog.LoadsAsync()).Count);
    }

    [Fact]
    public async Task A_firing_whose_lease_cannot_be_extended_stops_instead_of_running_unfenced()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("warmup_extend_never"), 100, cancellation);
        // 100 keys at 10 a second would take 10 s; the 3 s lease is never extended.
        var config = Config(catalog, maxPerSecond: 10);
        var faulty = new FaultyRedis { Fails = IsExtension };
        await using var host = await WorkerHost.StartAsync(config, faulty.Install);
        var fire = Now();

        var outcome = await host.Get<WarmupRunner>().RunAsync(Name, fire, cancellation);

        Assert.Equal(WarmupFiringOutcome.Cancelled, outcome);
        // A tick a second, and the firing stopped at 2.5 s: two failed extensions (one on a machine slow to tick).
        Assert.InRange(faulty.Faults, 1, 2);
        var loaded = (await catalog.LoadsAsync()).Count;
        Assert.True(loaded < 100, "the firing warmed every key without its lease");
        // It let the firing go, so another replica can finish it at once.
        Assert.False(await redis.Connection.GetDatabase().KeyExistsAsync(WorkerKeys.Warmup(config.Prefix + "cw:", Name, fire.ToUnixTimeMilliseconds())));
    }

    private static bool IsExtension(System.Reflection.MethodInfo method, object?[] args) =>
        FaultyRedis.IsScript(method, args, "PEXPIRE", ":warmup:") && !FaultyRedis.IsScript(method, args, "'done'", ":warmup:");

    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());

    private WorkerConfig Config(PostgresCatalog catalog, int maxPerSecond, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        new WorkerConfig(redis.Configuration, RedisFixture.UniquePrefix(test))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With($"CacheWarmer:Warmups:{Name}:Cron", "0 0 0 1 1 ? 2099")
            .With($"CacheWarmer:Warmups:{Name}:Loader", "product")
            .With($"CacheWarmer:Warmups:{Name}:Ids", "SELECT id FROM products")
            .With($"CacheWarmer:Warmups:{Name}:MaxPerSecond", maxPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With($"CacheWarmer:Warmups:{Name}:Pin", "00:10:00");
}
