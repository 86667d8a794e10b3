using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests.Warmups;

/// <summary>A firing whose replica dies mid-warm is finished by another: no key of it is left unwarmed.</summary>
public sealed class WarmupKillTests(RedisFixture redis, PostgresFixture postgres)
{
    private const int Keys = 100;

    [Fact]
    public async Task Killing_the_replica_running_a_firing_leaves_no_key_unwarmed_and_repeats_at_most_its_keys_in_flight()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var database = await postgres.CreateDatabaseAsync("warmup_kill");
        var catalog = await PostgresCatalog.CreateAsync(database, Keys, cancellation);
        var prefix = redis.Prefix();

        // One firing (once an hour, 25 s from now, after the replicas are up) warms 100 keys at 20 a second (5 s), 4 at a
        // time. No later firing comes to the rescue, and the keys live 5 minutes: only a takeover can finish the warm.
        var fireAt = DateTime.UtcNow.AddSeconds(25);
        var cron = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{fireAt.Second} {fireAt.Minute} * * * ?");
        WorkerConfig Config(int host) => new WorkerConfig(redis.Configuration, prefix)
            .WithPostgres($"{database};Application Name=host-{host}", "SELECT id, name, price FROM load_product(@id, 0.05)")
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With("CacheWarmer:Warmups:rush:Cron", cron)
            .With("CacheWarmer:Warmups:rush:Loader", "product")
            .With("CacheWarmer:Warmups:rush:Ids", "SELECT id FROM products")
            .With("CacheWarmer:Warmups:rush:MaxPerSecond", "20")
            .With("CacheWarmer:Warmups:rush:MaxConcurrency", "4")
            .With("CacheWarmer:Warmups:rush:Pin", "00:10:00");
        // Started together: one after the other they took up to 8 s each on a loaded machine, and a replica that is up
        // only after the firing's second never runs it (its cron fires next hour), which left no one to take over.
        var started = await Task.WhenAll(WorkerProcess.StartAsync(Config(1)), WorkerProcess.StartAsync(Config(2)), WorkerProcess.StartAsync(Config(3)));
        await using var host1 = started[0];
        await using var host2 = started[1];
        await using var host3 = started[2];
        WorkerProcess[] hosts = [host1, host2, host3];
        Assert.True(DateTime.UtcNow < fireAt.AddSeconds(-1), $"the replicas were up only at {DateTime.UtcNow:HH:mm:ss.fff}, after the firing at {fireAt:HH:mm:ss}: the test cannot kill a firing's runner and see another take over");

        // Kill the replica the database shows warming, once it has done some of the keys and not most.
        string? runner = null;
        try
        {
            await Eventually.UntilAsync(
                async () =>
                {
                    var byReplica = (await catalog.LoadsByReplicaAsync()).Values.SelectMany(l => l).GroupBy(l => l.Replica).ToList();
                    runner = byReplica.FirstOrDefault(g => g.Count() >= 10)?.Key;
                    return runner is not null;
                },
                TimeSpan.FromSeconds(40),
                "some replica should run the firing");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "; worker output:\n" + string.Join("\n---\n", hosts.Select(h => h.Output)), ex);
        }

        hosts[int.Parse(runner![^1..], System.Globalization.CultureInfo.InvariantCulture) - 1].Kill();
        var doneBeforeKill = (await catalog.LoadsAsync()).Count;
        Assert.True(doneBeforeKill < Keys, $"the firing finished ({doneBeforeKill} keys) before its replica could be killed");

        var db = redis.Connection.GetDatabase();
        try
        {
            await Eventually.UntilAsync(
                async () => (await Task.WhenAll(Enumerable.Range(1, Keys).Select(id => db.KeyExistsAsync(Config(1).Key(id))))).All(x => x),
                TimeSpan.FromSeconds(40),
                "a surviving replica should finish the firing");
        }
        catch (TimeoutException ex)
        {
            var missing = Enumerable.Range(1, Keys).Where(id => !db.KeyExists(Config(1).Key(id))).ToList();
            throw new TimeoutException($"{ex.Message}; {missing.Count} keys missing ({string.Join(", ", missing.Take(10))}); worker output:\n" + string.Join("\n---\n", hosts.Select(h => h.Output)), ex);
        }

        var loads = await catalog.LoadsByReplicaAsync();
        Assert.Equal(Keys, loads.Count);
        Assert.Contains(loads.Values.SelectMany(l => l), l => l.Replica != runner);
        // Only keys in flight when the replica died (at most its 4 at a time) may have been loaded twice.
        Assert.InRange(loads.Count(l => l.Value.Count > 1), 0, 4);
    }
}
