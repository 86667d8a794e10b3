using System.Text;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// <c>Format: DistributedCache</c>: the worker writes the hash entry that <c>RedisCache</c> (Microsoft.Extensions
/// .Caching.StackExchangeRedis, the <c>IDistributedCache</c> behind HybridCache's L2 and most .NET apps) reads, under
/// the same lease and fenced write, so an app built on the real library gets fresh hits without calling its factory.
/// </summary>
public sealed class DistributedCacheFormatTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task The_fenced_write_makes_an_entry_RedisCache_reads_and_an_app_change_supersedes_it()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        using var cache = new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = prefix + "app:" });
        var key = prefix + "app:product:1";
        var lease = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key, ValueFormat.DistributedCache);
        Assert.True((await lease.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(30);

        var written = await lease.WriteAsync("""{"id":1}"""u8.ToArray(), TimeSpan.FromSeconds(30), expiresAt);

        Assert.Equal(FencedWriteOutcome.Written, written.Outcome);
        Assert.Equal("""{"id":1}""", Encoding.UTF8.GetString((await cache.GetAsync("product:1", TestContext.Current.CancellationToken))!));
        Assert.Equal(expiresAt.UtcTicks, (long)await db.HashGetAsync(key, "absexp"));
        Assert.Equal(-1, (long)await db.HashGetAsync(key, "sldexp"));
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(30));

        // The app sets a new entry through the library while the next refresh loads: the app's entry stands.
        var next = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key, ValueFormat.DistributedCache);
        Assert.True((await next.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        Assert.Null(next.ForeignType);
        await cache.SetAsync("product:1", """{"id":1,"by":"app"}"""u8.ToArray(), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) }, TestContext.Current.CancellationToken);
        Assert.Equal(FencedWriteOutcome.Superseded, (await next.WriteAsync("""{"id":1,"old":true}"""u8.ToArray(), TimeSpan.FromSeconds(30), expiresAt)).Outcome);
        Assert.Equal("""{"id":1,"by":"app"}""", Encoding.UTF8.GetString((await cache.GetAsync("product:1", TestContext.Current.CancellationToken))!));

        // A plain string where entries are written is someone else's.
        var stringKey = prefix + "app:product:2";
        await db.StringSetAsync(stringKey, "a string", TimeSpan.FromSeconds(30));
        var onString = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), stringKey, ValueFormat.DistributedCache);
        Assert.True((await onString.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        Assert.Equal("string", onString.ForeignType);
        await onString.ReleaseAsync();
        Assert.False(await db.KeyExistsAsync(WorkerKeys.Lease(prefix, stringKey)));
    }

    [Fact]
    public async Task An_app_on_RedisCache_reads_fresh_hits_the_worker_wrote_over_several_TTLs_without_calling_its_factory()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("distributed_cache"), 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithPostgres(catalog.ConnectionString);
        // The app's RedisCache has InstanceName "<prefix>app:": the loader's key pattern includes it.
        var instance = config.Prefix + "app:";
        config.With("CacheWarmer:Loaders:product:Key", instance + "product:{id}").With("CacheWarmer:Loaders:product:Format", "DistributedCache");
        await using var worker = await WorkerHost.StartAsync(config);
        using var cache = new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = instance });
        var factoryCalls = 0;

        // The app's cache-aside read, as an IDistributedCache app writes it: on a miss, load and set for 2 s.
        async Task<string> ReadAsync(int id)
        {
            if (await cache.GetAsync($"product:{id}", TestContext.Current.CancellationToken) is { } hit)
            {
                return Encoding.UTF8.GetString(hit);
            }

            Interlocked.Increment(ref factoryCalls);
            await cache.SetAsync($"product:{id}", "app placeholder"u8.ToArray(), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(2) }, TestContext.Current.CancellationToken);
            return "app placeholder";
        }

        Assert.Equal("app placeholder", await ReadAsync(1));
        await Eventually.UntilAsync(
            async () => await ReadAsync(1) == """{"id":1,"name":"Product 1","price":1.25}""",
            TimeSpan.FromSeconds(15),
            "the worker should replace the app's entry with the row, in RedisCache's layout");
        Assert.Equal(1, factoryCalls);

        // Three TTLs (the loader's is 6 s) of reads every 50 ms: every one a hit, the price change included.
        await catalog.SetPriceAsync(1, 4.5m);
        var sawNewPrice = await AppReads.ReadForAsync(TimeSpan.FromSeconds(18), async () => await ReadAsync(1) == """{"id":1,"name":"Product 1","price":4.50}""");

        Assert.Equal(1, factoryCalls);
        Assert.True(sawNewPrice, "a refresh after the price change should have written the new row");
    }
}
