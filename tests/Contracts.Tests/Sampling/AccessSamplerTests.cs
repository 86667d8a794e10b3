using CacheWarmer.Contracts.Sampling;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CacheWarmer.Contracts.Tests.Sampling;

public sealed class AccessSamplerTests(RedisFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task One_entry_per_interval_holds_the_counts_and_an_idle_interval_writes_nothing()
    {
        var prefix = redis.Prefix();
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix }, _time);
        RecordTimes(sampler, "product:1", 5);
        RecordTimes(sampler, "product:2", 3);
        RecordTimes(sampler, "product:3", 1);

        await FlushAsync(sampler, expectedFlushes: 1);

        var entry = Assert.Single(await ReadAsync(prefix));
        Assert.Equal(
            [new AccessSample("product:1", 5), new AccessSample("product:2", 3), new AccessSample("product:3", 1)],
            AccessSamples.Parse(entry).OrderBy(s => s.Key, StringComparer.Ordinal));
        Assert.Equal(3, sampler.SamplesSent);

        await FlushAsync(sampler, expectedFlushes: 2);

        Assert.Single(await ReadAsync(prefix));
        Assert.Equal(3, sampler.SamplesSent);
        Assert.Equal(0, sampler.SamplesDropped);
    }

    [Fact]
    public async Task Sampled_counts_are_scaled_to_estimate_all_reads()
    {
        const int Reads = 100_000;
        const double Rate = 0.1;
        var prefix = redis.Prefix();
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix, SampleRate = Rate }, _time);
        RecordTimes(sampler, "product:1", Reads);

        await FlushAsync(sampler, expectedFlushes: 1);

        // Recorded reads ~ Binomial(100,000, 0.1): sd = sqrt(n p (1 - p)) = 94.9, so the estimate (recorded / p) has
        // sd 949. Five of them (4,743) fail a correct sampler about once in two million runs.
        var tolerance = 5 * Math.Sqrt(Reads * Rate * (1 - Rate)) / Rate;
        var sample = Assert.Single(AccessSamples.Parse(Assert.Single(await ReadAsync(prefix))));
        Assert.Equal("product:1", sample.Key);
        Assert.InRange(sample.Count, Reads - tolerance, Reads + tolerance);
    }

    [Fact]
    public async Task Distinct_keys_past_the_bound_are_dropped_and_counted()
    {
        var prefix = redis.Prefix();
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix, MaxKeysPerFlush = 100 }, _time);
        for (var i = 0; i < 1_000; i++)
        {
            sampler.Record("product:" + i);
        }

        await FlushAsync(sampler, expectedFlushes: 1);

        var entry = Assert.Single(await ReadAsync(prefix));
        Assert.Equal(100, AccessSamples.Parse(entry).Count);
        Assert.Equal(100, sampler.SamplesSent);
        Assert.Equal(900, sampler.SamplesDropped);

        // The bound is per interval, and a turned-away key read again is still one dropped pair.
        for (var i = 0; i < 150; i++)
        {
            RecordTimes(sampler, "product:" + i, 2);
        }

        await FlushAsync(sampler, expectedFlushes: 2);

        var second = AccessSamples.Parse((await ReadAsync(prefix))[1]);
        Assert.Equal(100, second.Count);
        Assert.All(second, s => Assert.Equal(2, s.Count));
        Assert.Equal(950, sampler.SamplesDropped);
    }

    [Fact]
    public async Task Concurrent_reads_are_all_counted_and_the_bound_holds()
    {
        var prefix = redis.Prefix();
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix, MaxKeysPerFlush = 10 }, _time);

        Parallel.For(0, 200_000, i => sampler.Record("product:" + (i % 20)));
        await FlushAsync(sampler, expectedFlushes: 1);

        var samples = AccessSamples.Parse(Assert.Single(await ReadAsync(prefix)));
        Assert.Equal(10, samples.Count);
        Assert.All(samples, s => Assert.Equal(10_000, s.Count));
        Assert.Equal(10, sampler.SamplesDropped);
    }

    [Fact]
    public async Task Null_and_empty_keys_are_ignored()
    {
        var prefix = redis.Prefix();
        await using var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix }, _time);
        sampler.Record(null!);
        sampler.Record(string.Empty);

        await FlushAsync(sampler, expectedFlushes: 1);

        Assert.Empty(await ReadAsync(prefix));
        Assert.Equal(0, sampler.SamplesSent + sampler.SamplesDropped);
    }

    [Fact]
    public async Task Dispose_sends_the_reads_of_the_unfinished_interval()
    {
        var prefix = redis.Prefix();
        var sampler = new AccessSampler(redis.Connection, new() { KeyPrefix = prefix }, _time);
        RecordTimes(sampler, "product:9", 4);

        await sampler.DisposeAsync().AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal([new AccessSample("product:9", 4)], AccessSamples.Parse(Assert.Single(await ReadAsync(prefix))));
    }

    [Fact]
    public async Task Redis_down_drops_batches_without_throwing_or_hanging()
    {
        await using var down = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200");
        var sampler = new AccessSampler(down, new() { KeyPrefix = redis.Prefix() }, _time);
        for (var i = 0; i < 100_000; i++)
        {
            sampler.Record("product:" + (i % 50));
        }

        await FlushAsync(sampler, expectedFlushes: 1);
        Assert.Equal(50, sampler.SamplesDropped);
        Assert.Equal(0, sampler.SamplesSent);

        sampler.Record("product:1");
        await sampler.DisposeAsync().AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(51, sampler.SamplesDropped);
    }

    private static void RecordTimes(AccessSampler sampler, string key, int times)
    {
        for (var i = 0; i < times; i++)
        {
            sampler.Record(key);
        }
    }

    private async Task FlushAsync(AccessSampler sampler, long expectedFlushes)
    {
        _time.Advance(Interval);
        await Eventually.UntilAsync(() => sampler.Flushes >= expectedFlushes, Patience, $"flush {expectedFlushes} to complete");
        Assert.Equal(expectedFlushes, sampler.Flushes);
    }

    private Task<StreamEntry[]> ReadAsync(string prefix) =>
        redis.Connection.GetDatabase().StreamRangeAsync(AccessSamples.StreamKey(prefix));
}
