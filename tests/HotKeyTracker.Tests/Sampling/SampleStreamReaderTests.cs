using CacheWarmer.Contracts.Sampling;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Sampling;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Tests.Sampling;

/// <summary>The sample stream read into the model, on a real Redis: every sample counted once per replica.</summary>
public sealed class SampleStreamReaderTests(RedisFixture redis)
{
    // Long enough that decay changes no count measurably within a test (a minute is 1e-7 of it).
    private static readonly TimeSpan NoDecay = TimeSpan.FromDays(10_000);

    [Fact]
    public async Task Samples_from_three_concurrent_producers_are_each_counted_once_by_every_replica()
    {
        var prefix = redis.Prefix();
        await using var first = await StartAsync(prefix);
        await using var second = await StartAsync(prefix);

        // Three apps, each on its own connection, read 20 keys with different counts at the same time.
        var producers = Enumerable.Range(1, 3).Select(async app =>
        {
            await using var connection = await redis.Server.ConnectAsync();
            await using var sampler = new AccessSampler(connection, new AccessSamplerOptions { KeyPrefix = prefix + "cw:", FlushInterval = TimeSpan.FromMilliseconds(100) });
            for (var round = 0; round < 30; round++)
            {
                for (var id = 1; id <= 20; id++)
                {
                    for (var read = 0; read < id % 4 + app; read++)
                    {
                        sampler.Record(prefix + "product:" + id);
                    }
                }

                // Let the other producers and the flush timer run between rounds.
                await Task.Yield();
            }
        });
        await Task.WhenAll(producers);

        // The truth is what the stream holds (a sampler may drop a batch Redis was too slow to take).
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var entries = await redis.Connection.GetDatabase().StreamRangeAsync(AccessSamples.StreamKey(prefix + "cw:"));
        foreach (var sample in entries.SelectMany(e => AccessSamples.Parse(e)))
        {
            expected[sample.Key] = expected.GetValueOrDefault(sample.Key) + sample.Count;
        }

        Assert.Equal(20, expected.Count);
        var total = expected.Values.Sum();
        foreach (var replica in new[] { first, second })
        {
            await Eventually.UntilAsync(() => Total(replica, expected.Keys) >= total - 0.5, TimeSpan.FromSeconds(10), "the reader to catch up");
            foreach (var (key, count) in expected)
            {
                Assert.Equal(count, Count(replica, key), 1e-3);
            }
        }
    }

    [Fact]
    public async Task A_reader_whose_connection_drops_resumes_where_it_stopped_without_counting_twice()
    {
        var prefix = redis.Prefix();
        var stream = AccessSamples.StreamKey(prefix + "cw:");
        await using var connection = await redis.Server.ConnectAsync();
        await using var replica = await StartAsync(prefix, connection);
        var db = redis.Connection.GetDatabase();
        for (var i = 0; i < 500; i++)
        {
            await db.StreamAddAsync(stream, prefix + "product:1", 2);
        }

        await Eventually.UntilAsync(() => Count(replica, prefix + "product:1") >= 999.5, TimeSpan.FromSeconds(10), "the reader to catch up");

        // Drop the reader's connection from the server side, and keep producing while it reconnects.
        var killed = (long)await db.ExecuteAsync("CLIENT", "KILL", "ID", (long)(await connection.GetDatabase().ExecuteAsync("CLIENT", "ID")));
        Assert.Equal(1, killed);
        for (var i = 0; i < 700; i++)
        {
            await db.StreamAddAsync(stream, [new NameValueEntry(prefix + "product:1", 1), new NameValueEntry(prefix + "product:2", 3)]);
        }

        // Every entry read once: the reader's position reaches the last entry, and the counts are exact, not more.
        var last = (await db.StreamRangeAsync(stream, "-", "+", 1, Order.Descending))[0].Id;
        await Eventually.UntilAsync(() => replica.Reader.Position == last, TimeSpan.FromSeconds(20), "the reader to reach the last entry");
        Assert.Equal(1000 + 700, Count(replica, prefix + "product:1"), 1e-3);
        Assert.Equal(2100, Count(replica, prefix + "product:2"), 1e-3);
        Assert.Equal(1200, replica.Reader.EntriesRead);
    }

    [Fact]
    public async Task At_start_the_reader_replays_only_the_configured_window_of_the_stream()
    {
        var prefix = redis.Prefix();
        var stream = AccessSamples.StreamKey(prefix + "cw:");
        var db = redis.Connection.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.StreamAddAsync(stream, prefix + "product:old", 5, messageId: $"{now - 3_600_000}-0");
        await db.StreamAddAsync(stream, prefix + "product:recent", 7, messageId: $"{now - 60_000}-0");

        await using var replica = await StartAsync(prefix, replay: TimeSpan.FromMinutes(15));
        await Eventually.UntilAsync(() => replica.Reader.EntriesRead == 1, TimeSpan.FromSeconds(10), "the reader to catch up");

        Assert.Equal(0, Count(replica, prefix + "product:old"));
        Assert.Equal(7, Count(replica, prefix + "product:recent"), 1e-3);
    }

    [Fact]
    public async Task A_worker_whose_clock_runs_an_hour_ahead_of_Redis_counts_a_fresh_sample_in_full()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        var entry = await db.StreamAddAsync(AccessSamples.StreamKey(prefix + "cw:"), prefix + "product:1", 8);
        var time = new FakeTimeProvider(await RedisNowAsync(db) + TimeSpan.FromHours(1));

        // A five-minute half-life: a sample taken for an hour old would weigh 2^-12 of its count.
        await using var replica = await StartAsync(prefix, replay: TimeSpan.FromMinutes(15), halfLife: TimeSpan.FromMinutes(5), time: time);
        await Eventually.UntilAsync(() => replica.Reader.EntriesRead == 1, TimeSpan.FromSeconds(10), "the reader should replay the fresh entry");

        Assert.Equal(entry, replica.Reader.Position);
        Assert.InRange(replica.Model.Estimate(prefix + "product:1").RatePerMinute / PerRead(TimeSpan.FromMinutes(5)), 7.9, 8);
    }

    [Fact]
    public async Task A_worker_whose_clock_runs_an_hour_behind_Redis_ages_samples_by_Redis_time()
    {
        var prefix = redis.Prefix();
        var stream = AccessSamples.StreamKey(prefix + "cw:");
        var db = redis.Connection.GetDatabase();
        var redisNow = (await RedisNowAsync(db)).ToUnixTimeMilliseconds();
        await db.StreamAddAsync(stream, prefix + "product:stale", 5, messageId: $"{redisNow - 1_800_000}-0");
        await db.StreamAddAsync(stream, prefix + "product:recent", 8, messageId: $"{redisNow - 300_000}-0");
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(redisNow) - TimeSpan.FromHours(1));

        await using var replica = await StartAsync(prefix, replay: TimeSpan.FromMinutes(15), halfLife: TimeSpan.FromMinutes(5), time: time);
        await Eventually.UntilAsync(() => replica.Reader.EntriesRead == 1, TimeSpan.FromSeconds(10), "the reader should replay the recent entry");

        // 30 minutes old by Redis's clock is outside the 15-minute replay; 5 minutes old weighs half (one half-life),
        // not the full count a clock behind Redis's would give it.
        Assert.Equal(0, replica.Model.Estimate(prefix + "product:stale").RatePerMinute);
        Assert.InRange(replica.Model.Estimate(prefix + "product:recent").RatePerMinute / PerRead(TimeSpan.FromMinutes(5)), 3.9, 4.1);
    }

    [Theory]
    [InlineData("1700000060000-0", 1_700_000_060_000, 0)]
    [InlineData("1700000000000-3", 1_700_000_060_000, 60_000)]
    [InlineData("1700000090000-0", 1_700_000_060_000, 0)]
    [InlineData("app-chosen-id", 1_700_000_060_000, 0)]
    public void A_sample_is_stamped_its_Redis_age_before_this_machines_now(string id, long redisNowMs, long ageMs)
    {
        var now = new FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero)).GetUtcNow();

        Assert.Equal(now - TimeSpan.FromMilliseconds(ageMs), SampleStreamReader.StampOf(id, redisNowMs, now));
    }

    [Fact]
    public async Task Malformed_fields_are_skipped_and_reported_while_the_good_ones_count()
    {
        var prefix = redis.Prefix();
        var stream = AccessSamples.StreamKey(prefix + "cw:");
        await using var replica = await StartAsync(prefix);
        await redis.Connection.GetDatabase().StreamAddAsync(stream,
        [
            new NameValueEntry(prefix + "product:1", 4),
            new NameValueEntry(prefix + "product:2", "-3"),
            new NameValueEntry(prefix + "product:3", "lots"),
        ]);

        await Eventually.UntilAsync(() => replica.Reader.EntriesRead == 1, TimeSpan.FromSeconds(10), "the reader to catch up");
        Assert.Equal(4, Count(replica, prefix + "product:1"), 1e-3);
        Assert.Equal(0, Count(replica, prefix + "product:2"));
        Assert.Equal(0, Count(replica, prefix + "product:3"));
        var warning = Assert.Single(replica.Logger.Collector.GetSnapshot(), r => r.Id.Name == "SamplesRejected");
        Assert.Contains("Skipped 2 malformed", warning.Message, StringComparison.Ordinal);
        Assert.Contains("positive decimal count", warning.Message, StringComparison.Ordinal);
    }

    // Reads as a count: with no decay, the rate per minute is the count times ln 2 / HalfLife (per minute).
    private static double Count(RunningReader replica, string key) =>
        replica.Model.Estimate(key).RatePerMinute / (Math.Log(2) / NoDecay.TotalMinutes);

    private static double Total(RunningReader replica, IEnumerable<string> keys) => keys.Sum(k => Count(replica, k));

    // The rate one fresh read adds under the given half-life.
    private static double PerRead(TimeSpan halfLife) => Math.Log(2) / halfLife.TotalMinutes;

    private static async Task<DateTimeOffset> RedisNowAsync(IDatabase db)
    {
        var parts = (RedisValue[])(await db.ExecuteAsync("TIME"))!;
        return DateTimeOffset.FromUnixTimeMilliseconds(((long)parts[0] * 1000) + ((long)parts[1] / 1000));
    }

    // With a fake clock the reader reads once at start (its poll delay never ends): add entries before starting it.
    private async Task<RunningReader> StartAsync(
        string prefix, IConnectionMultiplexer? connection = null, TimeSpan? replay = null, TimeSpan? halfLife = null, TimeProvider? time = null)
    {
        var options = Options.Create(new HotKeyOptions { HalfLife = halfLife ?? NoDecay, Replay = replay ?? TimeSpan.FromMinutes(1) });
        var input = Options.Create(new HotKeyInputOptions { KeyPrefix = prefix + "cw:", PollInterval = TimeSpan.FromMilliseconds(20), ReadBatch = 100 });
        var model = new HotKeyModel(options, time ?? TimeProvider.System);
        var logger = new FakeLogger<SampleStreamReader>();
        var reader = new SampleStreamReader(connection ?? redis.Connection, model, options, input, time ?? TimeProvider.System, logger);
        await reader.StartAsync(TestContext.Current.CancellationToken);
        return new RunningReader(reader, model, logger);
    }

    private sealed record RunningReader(SampleStreamReader Reader, HotKeyModel Model, FakeLogger<SampleStreamReader> Logger) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Reader.StopAsync(CancellationToken.None);
            Reader.Dispose();
        }
    }
}
