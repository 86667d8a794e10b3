using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// Invariant 6: a killed replica's keys are taken over within LeaseTtl and none expires. Buffer (5 s) is shorter than
/// LeaseTtl (10 s), as with the defaults, so waiting out the dead replica's lease would let its key expire: only the
/// heartbeat takeover keeps the keys alive.
/// </summary>
public sealed class ReplicaKillTests(RedisFixture redis, PostgresFixture postgres)
{
    private const int Keys = 10;

    [Fact]
    public async Task Killing_a_replica_mid_load_hands_its_keys_to_another_within_LeaseTtl_and_none_expires()
    {
        var database = await postgres.CreateDatabaseAsync("replica_kill");
        var catalog = await PostgresCatalog.CreateAsync(database, Keys, TestContext.Current.CancellationToken);
        var prefix = redis.Prefix();
        var leaseTtl = TimeSpan.FromSeconds(10);
        WorkerConfig Config(int host) => new WorkerConfig(redis.Configuration, prefix)
            .WithPostgres($"{database};Application Name=host-{host}", "SELECT id, name, price FROM load_product(@id, 0.8)")
            .With("CacheWarmer:Loaders:product:Ttl", "00:00:16")
            .With("CacheWarmer:Refresh:Buffer", "00:00:05")
            .With("CacheWarmer:Refresh:LeaseTtl", "00:00:10")
            .With("CacheWarmer:Refresh:LoadTimeout", "00:00:03");
        var db = redis.Connection.GetDatabase();
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, prefix + "product:");
        await using var host1 = await WorkerProcess.StartAsync(Config(1));
        await using var host2 = await WorkerProcess.StartAsync(Config(2));
        await using var host3 = await WorkerProcess.StartAsync(Config(3));
        WorkerProcess[] hosts = [host1, host2, host3];
        for (var id = 1; id <= Keys; id++)
        {
            await db.StringSetAsync(Config(1).Key(id), "written by the app", TimeSpan.FromSeconds(16));
        }

        // Kill whichever host holds a lease, at once, so it dies holding it (the database showing a host's query running
        // is not enough: on a loaded machine the load may end and release its lease before the kill).
        WorkerProcess? victim = null;
        try
        {
            await Eventually.UntilAsync(
                async () =>
                {
                    foreach (var host in hosts)
                    {
                        if ((await LeasesHeldByAsync(prefix, host.Id)).Count > 0)
                        {
                            victim = host;
                            victim.Kill();
                            return true;
                        }
                    }

                    return false;
                },
                TimeSpan.FromSeconds(30),
                "some host should take a lease");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "; worker output:\n" + string.Join("\n---\n", hosts.Select(h => h.Output)), ex);
        }

        var killedAt = DateTime.UtcNow;
        var orphaned = await LeasesHeldByAsync(prefix, victim!.Id);
        Assert.NotEmpty(orphaned);

        // Over the next cycle every key stays present, and each orphaned key is loaded again by a survivor.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(18);
        while (DateTime.UtcNow < until)
        {
            var present = await Task.WhenAll(Enumerable.Range(1, Keys).Select(id => db.KeyExistsAsync(Config(1).Key(id))));
            Assert.All(present.Select((p, i) => (p, i)), x => Assert.True(x.p, $"key {x.i + 1} went missing after the kill"));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Empty(watch.Expired);
        var loads = await catalog.LoadsAsync();
        foreach (var key in orphaned)
        {
            var id = int.Parse(key[(prefix + "product:").Length..], System.Globalization.CultureInfo.InvariantCulture);
            var next = loads[id].Where(at => at.ToUniversalTime() > killedAt.AddMilliseconds(-200)).Min();
            // Taken over once the dead replica's heartbeat (2 s) is gone, well within LeaseTtl.
            Assert.True(next - killedAt < leaseTtl, $"{key} was taken over {(next - killedAt).TotalMilliseconds:F0} ms after the kill");
        }
    }

    private async Task<List<string>> LeasesHeldByAsync(string prefix, int pid)
    {
        var server = redis.Connection.GetServers()[0];
        var db = redis.Connection.GetDatabase();
        var held = new List<string>();
        await foreach (var lease in server.KeysAsync(pattern: prefix + "cw:lease:*"))
        {
            var value = (string?)await db.StringGetAsync(lease);
            if (value is not null && value.Contains($"-{pid}-", StringComparison.Ordinal))
            {
                // cw:lease:{product:3} -> product:3
                held.Add(((string)lease!)[(prefix + "cw:lease:{").Length..^1]);
            }
        }

        return held;
    }
}
