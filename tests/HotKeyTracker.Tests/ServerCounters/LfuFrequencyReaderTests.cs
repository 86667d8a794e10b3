using CacheWarmer.Contracts.Keys;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.HotKeyTracker.ServerCounters;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Tests.ServerCounters;

/// <summary>Redis's own LFU counters, read into the model where the server keeps them.</summary>
public sealed class LfuFrequencyReaderTests
{
    [Theory]
    [InlineData(0, 10, 1, 0)]
    [InlineData(5, 10, 1, 0)]
    [InlineData(6, 10, 1, 11)]
    [InlineData(15, 10, 1, 101)]
    [InlineData(15, 10, 2, 50.5)]
    [InlineData(15, 10, 0, 0)]
    public void A_steady_counter_stands_for_the_reads_that_balance_its_decay(long counter, double factor, double decay, double expected) =>
        Assert.Equal(expected, LfuFrequencyReader.ReadsPerMinute(counter, factor, decay), 9);

    [Fact]
    public async Task Under_an_lfu_policy_keys_read_more_weigh_more_and_unread_keys_not_at_all()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await connection.GetServers()[0].ConfigSetAsync("maxmemory-policy", "allkeys-lfu");
        var db = connection.GetDatabase();
        foreach (var id in new[] { 1, 2, 3 })
        {
            await db.StringSetAsync("product:" + id, "x", TimeSpan.FromMinutes(5));
        }

        await Task.WhenAll(Enumerable.Range(0, 5000).Select(_ => db.StringGetAsync("product:1")));
        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => db.StringGetAsync("product:2")));

        var (reader, model, logger) = await StartAsync(connection, 3);
        var counted = await reader.PollOnceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, counted);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Id.Name == "LfuOff");
        // The counters are logarithmic (5,000 reads in a burst land near 37, 50 near 9), so the order is what they
        // tell reliably; each key's weight is what its counter stands for over the one-minute interval.
        var hot = model.Estimate("product:1").RatePerMinute;
        var warm = model.Estimate("product:2").RatePerMinute;
        Assert.True(hot > 2 * warm && warm > 0, $"5,000 reads should weigh more than 50 ({hot} vs {warm} per minute)");
        Assert.Equal(0, model.Estimate("product:3").RatePerMinute);
        var perRead = Math.Log(2) / new HotKeyOptions().HalfLife.TotalMinutes;
        foreach (var key in new[] { "product:1", "product:2" })
        {
            var counter = (long)await db.ExecuteAsync("OBJECT", "FREQ", key);
            Assert.Equal(LfuFrequencyReader.ReadsPerMinute(counter, 10, 1), model.Estimate(key).RatePerMinute / perRead, 1e-6);
        }
    }

    [Fact]
    public async Task Without_an_lfu_policy_nothing_is_read_and_the_log_says_why()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await connection.GetDatabase().StringSetAsync("product:1", "x", TimeSpan.FromMinutes(5));

        var (reader, model, logger) = await StartAsync(connection, 1);

        Assert.Equal(0, await reader.PollOnceAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(0, model.Estimate("product:1").RatePerMinute);
        var off = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Name == "LfuOff");
        Assert.Contains("allkeys-lfu", off.Message, StringComparison.Ordinal);
    }

    private static async Task<(LfuFrequencyReader Reader, HotKeyModel Model, FakeLogger<LfuFrequencyReader> Logger)> StartAsync(IConnectionMultiplexer connection, int keys)
    {
        var keyspace = new KeyspaceOptions();
        keyspace.Patterns.Add(KeyPattern.Parse("product:{id}"));
        var listener = new KeyspaceListener(connection, Options.Create(keyspace), TimeProvider.System, new FakeLogger<KeyspaceListener>());
        await listener.StartAsync(TestContext.Current.CancellationToken);
        TestContext.Current.CancellationToken.Register(() => listener.StopAsync(CancellationToken.None));
        await Eventually.UntilAsync(() => listener.KnownKeys.Count() == keys, TimeSpan.FromSeconds(10), "the listener should find the keys");

        // The model's clock stands still, so the weights read back exactly as they were added.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = Options.Create(new HotKeyOptions());
        var model = new HotKeyModel(options, time);
        var logger = new FakeLogger<LfuFrequencyReader>();
        return (new LfuFrequencyReader(connection, listener, model, options, Options.Create(new HotKeyInputOptions()), time, logger), model, logger);
    }
}
