using CacheWarmer.Contracts.Sampling;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace CacheWarmer.Contracts.FusionCache.Tests;

/// <summary>
/// Apps on the real FusionCache 2.9 (RedisCache as the distributed level, the System.Text.Json serializer) report
/// each read, whichever level served it, under the Redis key of its distributed entry.
/// </summary>
public sealed class FusionCacheReadSamplerTests(RedisFixture redis)
{
    private static readonly FusionCacheEntryOptions Cached = new() { Duration = TimeSpan.FromMinutes(1) };

    [Theory]
    [InlineData(CacheKeyModifierMode.Prefix)]
    [InlineData(CacheKeyModifierMode.Suffix)]
    [InlineData(CacheKeyModifierMode.None)]
    public async Task Memory_hits_distributed_hits_and_misses_are_sampled_under_the_Redis_key_FusionCache_wrote(CacheKeyModifierMode mode)
    {
        var prefix = redis.Prefix();
        var instance = prefix + "app:";
        var time = new FakeTimeProvider();
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix }, time);
        var options = new FusionCacheOptions { CacheName = "shop", CacheKeyPrefix = "shop:", DistributedCacheKeyModifierMode = mode };

        // Two app nodes: the first misses and then reads from its memory level; the second reads the first's entry
        // from Redis. Neither reads the second key from anywhere but the miss.
        using var first = Node(instance, options, sampler, out var firstReads);
        using var second = Node(instance, options, sampler, out var secondReads);
        using (firstReads)
        using (secondReads)
        {
            await first.GetOrSetAsync("product:1", _ => Task.FromResult("row"), Cached, TestContext.Current.CancellationToken);
            await first.GetOrSetAsync("product:1", _ => Task.FromResult("unused"), Cached, TestContext.Current.CancellationToken);
            Assert.Equal("row", await first.GetOrDefaultAsync<string>("product:1", token: TestContext.Current.CancellationToken));
            Assert.Equal("row", await second.GetOrSetAsync("product:1", _ => Task.FromResult("unused"), Cached, TestContext.Current.CancellationToken));
            Assert.False((await second.TryGetAsync<string>("product:2", token: TestContext.Current.CancellationToken)).HasValue);

            var samples = await SampledAsync(time, prefix, expectedReads: 5);

            var entryKey = Assert.Single(samples, s => s.Value == 4).Key;
            Assert.Equal(RedisType.Hash, await redis.Connection.GetDatabase().KeyTypeAsync(entryKey));
            Assert.Equal(entryKey.Replace("product:1", "product:2", StringComparison.Ordinal), Assert.Single(samples, s => s.Value == 1).Key);
            Assert.Equal(2, samples.Count);
        }
    }

    [Fact]
    public async Task Reads_after_the_sampler_is_disposed_are_not_reported()
    {
        var prefix = redis.Prefix();
        var time = new FakeTimeProvider();
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix }, time);
        using var cache = Node(prefix + "app:", new FusionCacheOptions(), sampler, out var reads);

        await cache.GetOrSetAsync("product:1", _ => Task.FromResult("row"), Cached, TestContext.Current.CancellationToken);
        Assert.Equal(1, (await SampledAsync(time, prefix, expectedReads: 1))[prefix + "app:v2:product:1"]);
        reads.Dispose();

        // The test's own listener sees the events these reads raise; once it has, the sampler had them too.
        var raised = 0;
        cache.Events.Hit += (_, _) => Interlocked.Increment(ref raised);
        cache.Events.Miss += (_, _) => Interlocked.Increment(ref raised);
        await cache.GetOrSetAsync("product:1", _ => Task.FromResult("unused"), Cached, TestContext.Current.CancellationToken);
        await cache.GetOrSetAsync("product:3", _ => Task.FromResult("row"), Cached, TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => Volatile.Read(ref raised) >= 2, TimeSpan.FromSeconds(10), "the cache should raise its read events");

        var before = sampler.Flushes;
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => sampler.Flushes > before, TimeSpan.FromSeconds(10), "the sampler should flush");
        Assert.Single(await redis.Connection.GetDatabase().StreamRangeAsync(AccessSamples.StreamKey(prefix)));
    }

    private ZiggyCreatures.Caching.Fusion.FusionCache Node(string instance, FusionCacheOptions options, AccessSampler sampler, out FusionCacheReadSampler reads)
    {
        var cache = new ZiggyCreatures.Caching.Fusion.FusionCache(options);
        cache.SetupDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = instance }), new FusionCacheSystemTextJsonSerializer());
        reads = new FusionCacheReadSampler(cache, sampler, instance, options);
        return cache;
    }

    // FusionCache raises its events off the read path, so flush until the expected reads have arrived; the counts
    // summed over every flush's stream entry, by key.
    private async Task<Dictionary<string, long>> SampledAsync(FakeTimeProvider time, string prefix, long expectedReads)
    {
        var db = redis.Connection.GetDatabase();
        Dictionary<string, long> counts = [];
        await Eventually.UntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                var entries = await db.StreamRangeAsync(AccessSamples.StreamKey(prefix));
                counts = entries.SelectMany(AccessSamples.Parse).GroupBy(s => s.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(s => s.Count), StringComparer.Ordinal);
                return counts.Values.Sum() >= expectedReads;
            },
            TimeSpan.FromSeconds(10),
            $"{expectedReads} reads should be sampled");
        return counts;
    }
}
