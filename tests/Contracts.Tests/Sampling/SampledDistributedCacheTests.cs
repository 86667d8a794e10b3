using CacheWarmer.Contracts.Sampling;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CacheWarmer.Contracts.Tests.Sampling;

/// <summary>An app on RedisCache reports its reads by wrapping the cache; the samples name the Redis keys.</summary>
public sealed class SampledDistributedCacheTests(RedisFixture redis)
{
    [Fact]
    public async Task Reads_through_the_wrapper_are_sampled_under_their_Redis_keys_and_every_call_reaches_the_cache()
    {
        var prefix = redis.Prefix();
        var time = new FakeTimeProvider();
        using var inner = new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = prefix + "shop:" });
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix }, time);
        IDistributedCache cache = new SampledDistributedCache(inner, sampler, prefix + "shop:");

        await cache.SetAsync("product:1", "row"u8.ToArray(), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) }, TestContext.Current.CancellationToken);
        var first = await cache.GetAsync("product:1", TestContext.Current.CancellationToken);
        var second = cache.Get("product:1");
        var missing = await cache.GetAsync("product:2", TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => sampler.Flushes >= 1, TimeSpan.FromSeconds(10), "the sampler should flush");

        Assert.Equal("row"u8.ToArray(), first);
        Assert.Equal("row"u8.ToArray(), second);
        Assert.Null(missing);
        var entry = Assert.Single(await redis.Connection.GetDatabase().StreamRangeAsync(AccessSamples.StreamKey(prefix)));
        Assert.Equal(
            [new AccessSample(prefix + "shop:product:1", 2), new AccessSample(prefix + "shop:product:2", 1)],
            AccessSamples.Parse(entry).OrderBy(s => s.Key, StringComparer.Ordinal));
        // Writes are not reads.
        Assert.Equal(RedisType.Hash, await redis.Connection.GetDatabase().KeyTypeAsync(prefix + "shop:product:1"));
    }
}
