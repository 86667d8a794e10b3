using CacheWarmer.Contracts.Keys;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Tests.Keyspace;

/// <summary>The listener against a real Redis: what it observes, and that it reads the truth, not the event.</summary>
public sealed class KeyspaceListenerTests(RedisFixture redis)
{
    [Fact]
    public async Task Resync_at_start_finds_existing_loader_keys_with_their_expiry_and_ignores_others()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        await db.StringSetAsync(prefix + "product:1", "x", TimeSpan.FromSeconds(30));
        await db.StringSetAsync(prefix + "product:2", "x");
        await db.StringSetAsync(prefix + "unrelated:1", "x", TimeSpan.FromSeconds(30));

        await using var listener = await StartAsync(prefix);
        var seen = await ReadAsync(listener, 2);

        var first = Assert.Single(seen, o => o.Key == prefix + "product:1");
        Assert.Equal(KeyObservationCause.Resync, first.Cause);
        Assert.True(first.Exists);
        Assert.InRange(first.ExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(31));
        var permanent = Assert.Single(seen, o => o.Key == prefix + "product:2");
        Assert.True(permanent.Exists);
        Assert.Null(permanent.ExpiresAt);
        Assert.DoesNotContain(seen, o => o.Key.StartsWith(prefix + "unrelated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writes_deletes_and_expiries_are_observed_with_the_ttl_read_after_them()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        await using var listener = await StartAsync(prefix);
        await listener.Listener.InitialResync;

        // SET with a TTL raises both 'set' and 'expire'; each is observed with the TTL read afterwards.
        await db.StringSetAsync(prefix + "product:1", "x", TimeSpan.FromSeconds(20));
        var written = await ReadUntilAsync(listener, o => o.Cause == KeyObservationCause.Written);
        Assert.Equal((prefix + "product:1", true), (written.Key, written.Exists));
        Assert.InRange(written.ExpiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(21));

        await db.KeyDeleteAsync(prefix + "product:1");
        var deleted = await ReadUntilAsync(listener, o => o.Cause == KeyObservationCause.Deleted);
        Assert.Equal((prefix + "product:1", false, (DateTimeOffset?)null), (deleted.Key, deleted.Exists, deleted.ExpiresAt));

        await db.StringSetAsync(prefix + "product:2", "x", TimeSpan.FromMilliseconds(50));
        var expired = await ReadUntilAsync(listener, o => o.Cause == KeyObservationCause.Expired);
        Assert.Equal((prefix + "product:2", false), (expired.Key, expired.Exists));
    }

    [Fact]
    public async Task An_apps_write_counts_as_a_read_and_a_write_carrying_the_own_write_marker_does_not()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        // A half-life of centuries: the count reads back unchanged however slowly the test runs.
        var hotKeys = Options.Create(new HotKeyOptions { AppWriteWeight = 3, HalfLife = TimeSpan.FromDays(100_000) });
        var model = new HotKeyModel(hotKeys, TimeProvider.System);
        var input = Options.Create(new HotKeyInputOptions { KeyPrefix = prefix + "cw:" });
        await using var listener = await StartAsync(prefix, model: model, hotKeys: hotKeys, input: input);
        await listener.Listener.InitialResync;

        // The worker's fenced write sets the marker first, in the same script as the value.
        await db.StringSetAsync(WorkerKeys.Wrote(prefix + "cw:", prefix + "product:1"), "1", WorkerKeys.WroteMarkerLifetime);
        await db.StringSetAsync(prefix + "product:1", "x", TimeSpan.FromSeconds(20));
        await db.StringSetAsync(prefix + "product:2", "x", TimeSpan.FromSeconds(20));
        await ReadUntilAsync(listener, o => o.Key == prefix + "product:2" && o.Cause == KeyObservationCause.Written);
        await ReadUntilAsync(listener, o => o.Key == prefix + "product:2" && o.Cause == KeyObservationCause.Written);

        Assert.Equal(1, model.WritesCounted);
        Assert.Equal(0, model.Estimate(prefix + "product:1").RatePerMinute);
        var counted = model.Estimate(prefix + "product:2").RatePerMinute / (Math.Log(2) / hotKeys.Value.HalfLife.TotalMinutes);
        Assert.Equal(3, counted, 1e-3);
    }

    [Fact]
    public async Task Notifications_are_turned_on_when_the_server_has_them_off()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await connection.GetServers()[0].ConfigSetAsync("notify-keyspace-events", "");

        await using var listener = await StartAsync("t:", connection);
        await listener.Listener.InitialResync;

        var flags = (await connection.GetServers()[0].ConfigGetAsync("notify-keyspace-events")).Single().Value;
        Assert.Empty(KeyspaceFlags.Missing(flags));
        Assert.True(listener.Listener.NotificationsActive);
    }

    [Fact]
    public async Task A_listener_started_while_Redis_is_down_subscribes_once_Redis_is_up()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await server.StopAsync();

        await using var listener = await StartAsync("t:", connection);
        // Down long enough for a subscribe attempt to fail and the listener to say it is waiting (not to crash).
        await Eventually.UntilAsync(
            () => listener.Logger.Collector.GetSnapshot().Any(r => r.Id.Name == "WaitingForRedis"),
            TimeSpan.FromSeconds(20),
            "the listener should report that it is waiting for Redis");
        await server.StartAgainAsync(TestContext.Current.CancellationToken);
        await listener.Listener.InitialResync.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        await connection.GetDatabase().StringSetAsync("t:product:1", "x", TimeSpan.FromSeconds(20));
        var written = await ReadUntilAsync(listener, o => o.Cause == KeyObservationCause.Written);
        Assert.Equal("t:product:1", written.Key);
    }

    private async Task<RunningListener> StartAsync(
        string prefix, IConnectionMultiplexer? connection = null, HotKeyModel? model = null, IOptions<HotKeyOptions>? hotKeys = null, IOptions<HotKeyInputOptions>? input = null)
    {
        var options = new KeyspaceOptions();
        options.Patterns.Add(KeyPattern.Parse(prefix + "product:{id}"));
        var logger = new FakeLogger<KeyspaceListener>();
        var listener = new KeyspaceListener(connection ?? redis.Connection, Options.Create(options), TimeProvider.System, logger, model, hotKeys, input: input);
        await listener.StartAsync(TestContext.Current.CancellationToken);
        return new RunningListener(listener, logger);
    }

    private static async Task<KeyObservation> ReadUntilAsync(RunningListener running, Func<KeyObservation, bool> wanted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var observation = await running.Listener.Observations.ReadAsync(timeout.Token);
            if (wanted(observation))
            {
                return observation;
            }
        }
    }

    private static async Task<List<KeyObservation>> ReadAsync(RunningListener running, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var seen = new List<KeyObservation>();
        while (seen.Count < count)
        {
            seen.Add(await running.Listener.Observations.ReadAsync(timeout.Token));
        }

        return seen;
    }

    private sealed class RunningListener(KeyspaceListener listener, FakeLogger<KeyspaceListener> logger) : IAsyncDisposable
    {
        public KeyspaceListener Listener { get; } = listener;

        public FakeLogger<KeyspaceListener> Logger { get; } = logger;

        public async ValueTask DisposeAsync()
        {
            await Listener.StopAsync(CancellationToken.None);
            Listener.Dispose();
        }
    }
}
