using System.Diagnostics.Metrics;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Keys;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CacheWarmer.IntegrationTests.Replicas;

/// <summary>
/// Refresh:Partition: the keys are shared among the live replicas. Each key is loaded by its owner (rendezvous hashing
/// over the replicas' heartbeats), once per cycle; each replica tracks only the keys it owns or stands by for, and
/// tries only those.
/// </summary>
public sealed class PartitionTests(RedisFixture redis, PostgresFixture postgres)
{
    private const int Keys = 120;

    [Fact]
    public async Task Four_replicas_each_load_and_try_about_a_quarter_of_the_keys_and_track_about_half()
    {
        var database = await postgres.CreateDatabaseAsync("partition_four");
        var catalog = await PostgresCatalog.CreateAsync(database, Keys, TestContext.Current.CancellationToken);
        var prefix = redis.Prefix();
        WorkerConfig Config(int host) => new WorkerConfig(redis.Configuration, prefix).WithPostgres($"{database};Application Name=host-{host}");
        var db = redis.Connection.GetDatabase();
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, prefix + "product:");
        var hosts = new List<WorkerHost>();
        try
        {
            for (var host = 0; host < 4; host++)
            {
                hosts.Add(await WorkerHost.StartAsync(Config(host)));
            }

            var attempts = hosts.Select(h => new MetricCollector<long>(h.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.refreshes")).ToList();
            await Eventually.UntilAsync(
                () => hosts.All(h => h.Get<ReplicaMembership>().Current.Ids.Count == 4),
                TimeSpan.FromSeconds(10),
                "every replica should see the four");
            var ids = hosts.Select(h => h.Get<ReplicaIdentity>().Id).ToList();
            var owners = Enumerable.Range(1, Keys).ToDictionary(
                id => id,
                id => ids.FindIndex(self => new ReplicaSet(ids, self).RoleOf(Config(0).Key(id)) == KeyRole.Owner));

            for (var id = 1; id <= Keys; id++)
            {
                await db.StringSetAsync(Config(0).Key(id), "written by the app", TimeSpan.FromSeconds(6));
            }

            const int cycles = 4;
            await Eventually.UntilAsync(
                async () => (await catalog.LoadsAsync()).Values.Sum(l => l.Count) >= Keys * cycles,
                TimeSpan.FromSeconds(60),
                $"every key should be refreshed {cycles} times");

            var loads = await catalog.LoadsByReplicaAsync();
            var all = loads.Values.Sum(l => l.Count);
            var byOwner = loads.Sum(l => l.Value.Count(load => load.Replica == $"host-{owners[l.Key]}"));

            // The standby loads only when its owner ran later than its plan by a tenth of the buffer: on a loaded machine, now
            // and then.
            Assert.True(byOwner >= all * 0.9, $"{byOwner} of {all} loads were by the key's owner");
            foreach (var (id, times) in loads)
            {
                var gaps = times.Zip(times.Skip(1), (x, y) => y.At - x.At).ToList();
                Assert.All(gaps, gap => Assert.True(gap > TimeSpan.FromSeconds(2.25), $"key {id} was loaded twice {gap.TotalMilliseconds:F0} ms apart"));
            }

            var tries = attempts.Select(a => a.GetMeasurementSnapshot().Sum(m => m.Value)).ToList();
            for (var host = 0; host < 4; host++)
            {
                var owned = owners.Values.Count(o => o == host);
                var managed = hosts[host].Get<ManagedKeyIndex>().Names().Count();
                Assert.InRange(tries[host], (long)(0.4 * tries.Sum() * owned / Keys), (long)(1.6 * tries.Sum() * owned / Keys) + 2);
                Assert.InRange(managed, Keys / 4, Keys * 3 / 4);
            }

            Assert.Empty(watch.Expired);
            foreach (var collector in attempts)
            {
                collector.Dispose();
            }
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_replica_that_joins_takes_its_share_without_loading_a_key_twice_in_a_cycle()
    {
        var database = await postgres.CreateDatabaseAsync("partition_join");
        var catalog = await PostgresCatalog.CreateAsync(database, Keys, TestContext.Current.CancellationToken);
        var prefix = redis.Prefix();
        WorkerConfig Config(int host) => new WorkerConfig(redis.Configuration, prefix).WithPostgres($"{database};Application Name=host-{host}");
        var db = redis.Connection.GetDatabase();
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, prefix + "product:");
        await using var a = await WorkerHost.StartAsync(Config(0));
        await using var b = await WorkerHost.StartAsync(Config(1));
        for (var id = 1; id <= Keys; id++)
        {
            await db.StringSetAsync(Config(0).Key(id), "written by the app", TimeSpan.FromSeconds(6));
        }

        await Eventually.UntilAsync(
            async () => (await catalog.LoadsAsync()).Values.Sum(l => l.Count) >= Keys,
            TimeSpan.FromSeconds(30),
            "two replicas should refresh every key once");
        await using var c = await WorkerHost.StartAsync(Config(2));
        var joined = DateTime.UtcNow;
        var before = (await catalog.LoadsAsync()).Values.Sum(l => l.Count);
        await Eventually.UntilAsync(
            async () => (await catalog.LoadsAsync()).Values.Sum(l => l.Count) >= before + (Keys * 3),
            TimeSpan.FromSeconds(60),
            "three more cycles should pass after the join");

        var loads = await catalog.LoadsByReplicaAsync();
        foreach (var (id, times) in loads)
        {
            var gaps = times.Zip(times.Skip(1), (x, y) => y.At - x.At).ToList();
            Assert.All(gaps, gap => Assert.True(gap > TimeSpan.FromSeconds(2.25), $"key {id} was loaded twice {gap.TotalMilliseconds:F0} ms apart"));
        }

        // The newcomer owns about a third of the keys (40, binomial deviation about 5) and loads them every cycle.
        var joinerLoads = loads.Values.Sum(l => l.Count(load => load.Replica == "host-2"));
        Assert.InRange(joinerLoads, 2 * 20, 3 * 60);
        Assert.Empty(watch.Expired);
    }

    [Fact]
    public async Task Killing_a_replica_hands_its_keys_to_their_standbys_and_none_expires()
    {
        var database = await postgres.CreateDatabaseAsync("partition_kill");
        var catalog = await PostgresCatalog.CreateAsync(database, Keys, TestContext.Current.CancellationToken);
        var prefix = redis.Prefix();

        // A Buffer longer than the dead replica's heartbeat (2 s) plus a lease re-check (1 s): a key whose lease the
        // killed replica held is taken over by its standby before it expires.
        WorkerConfig Config(int host) => new WorkerConfig(redis.Configuration, prefix)
            .WithPostgres($"{database};Application Name=host-{host}")
            .With("CacheWarmer:Loaders:product:Ttl", "00:00:09")
            .With("CacheWarmer:Refresh:Buffer", "00:00:04")
            .With("CacheWarmer:Refresh:LoadTimeout", "00:00:05");
        var db = redis.Connection.GetDatabase();
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, prefix + "product:");
        WorkerProcess[] hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(h => WorkerProcess.StartAsync(Config(h))));
        try
        {
            await Eventually.UntilAsync(
                async () => await db.SortedSetLengthAsync(prefix + "cw:replicas") == 3,
                TimeSpan.FromSeconds(10),
                "the three replicas should beat");

            // Replica ids are host-pid-random: the set of live replicas tells which is the first process.
            var ids = (await db.SortedSetRangeByRankAsync(prefix + "cw:replicas")).Select(m => (string)m!).ToList();
            var victimId = ids.Single(id => id.Contains($"-{hosts[0].Id}-", StringComparison.Ordinal));
            var victims = new ReplicaSet(ids, victimId);
            var orphaned = Enumerable.Range(1, Keys).Where(id => victims.RoleOf(Config(0).Key(id)) == KeyRole.Owner).ToList();
            for (var id = 1; id <= Keys; id++)
            {
                await db.StringSetAsync(Config(0).Key(id), "written by the app", TimeSpan.FromSeconds(9));
            }

            await Eventually.UntilAsync(
                async () => (await catalog.LoadsByReplicaAsync()).Values.Sum(l => l.Count(load => load.Replica == "host-0")) > 0,
                TimeSpan.FromSeconds(60),
                "the first replica should refresh its keys");
            hosts[0].Kill();
            var killedAt = DateTime.UtcNow;

            // Over the next two cycles every key stays present.
            while (DateTime.UtcNow < killedAt + TimeSpan.FromSeconds(12))
            {
                var batch = db.CreateBatch();
                var exists = Enumerable.Range(1, Keys).Select(id => batch.KeyExistsAsync(Config(0).Key(id))).ToArray();
                batch.Execute();
                var present = await Task.WhenAll(exists);
                Assert.All(present.Select((p, i) => (p, i)), x => Assert.True(x.p, $"key {x.i + 1} went missing after the kill"));
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            Assert.Empty(watch.Expired);
            var loads = await catalog.LoadsByReplicaAsync();
            Assert.InRange(orphaned.Count, 20, 70);
            foreach (var id in orphaned)
            {
                // Each key of the dead replica was loaded by a survivor within the cycle after the kill.
                Assert.Contains(loads[id], load => load.At.ToUniversalTime() > killedAt && load.Replica != "host-0");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException(ex.Message + "; worker output:\n" + string.Join("\n---\n", hosts.Skip(1).Select(h => h.Output)), ex);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}
