using CacheWarmer.Contracts.Keys;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Tests.Keyspace;

/// <summary>
/// What the listener holds and reads per resync is bounded by the keys its consumer follows, however many loader keys
/// Redis has: each on a private server, so its command counters are the listener's alone.
/// </summary>
public sealed class FollowedKeysTests
{
    private const int ColdKeys = 2000;

    [Fact]
    public async Task A_resync_reads_the_ttl_of_the_followed_keys_only_and_samples_the_others()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await WriteKeysAsync(connection, ColdKeys);
        var wanted = Enumerable.Range(1, 10).Select(Key).ToHashSet();

        await using var listener = Start(connection, new Interest(wanted), lfuMaxKeys: 100);
        await listener.InitialResync.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var observed = await ReadAsync(listener, wanted.Count);

        Assert.All(observed, o => Assert.Contains(o.Key, wanted));
        Assert.Equal(wanted.Order(), listener.KnownKeys.Order());
        Assert.Equal(wanted.Count, await CallsAsync(connection, "pttl"));
        var candidates = listener.CounterCandidates.ToList();
        Assert.InRange(candidates.Count, 100, 110);
        Assert.Equal(candidates.Count, candidates.Distinct().Count());
        Assert.True(wanted.IsSubsetOf(candidates), "the followed keys come first among the counter candidates");
    }

    [Fact]
    public async Task A_followed_key_gone_without_an_event_is_reported_missing_by_the_next_resync()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await WriteKeysAsync(connection, 200);
        var wanted = Enumerable.Range(1, 5).Select(Key).ToHashSet();
        await using var listener = Start(connection, new Interest(wanted), lfuMaxKeys: 100);
        await listener.InitialResync.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await ReadAsync(listener, wanted.Count);

        // FLUSHALL sends no keyspace event per key.
        await connection.GetServers()[0].FlushAllDatabasesAsync();
        listener.RequestResync("test");
        var gone = await ReadAsync(listener, wanted.Count);

        Assert.All(gone, o => Assert.False(o.Exists));
        Assert.Equal(wanted.Order(), gone.Select(o => o.Key).Order());
    }

    [Fact]
    public async Task A_key_no_longer_followed_is_neither_read_nor_reported_by_the_next_resync()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await WriteKeysAsync(connection, 20);
        var wanted = Enumerable.Range(1, 5).Select(Key).ToHashSet();
        await using var listener = Start(connection, new Interest(wanted), lfuMaxKeys: 100);
        await listener.InitialResync.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await ReadAsync(listener, wanted.Count);

        wanted.Remove(Key(1));
        await connection.GetServers()[0].ExecuteAsync("CONFIG", "RESETSTAT");
        listener.RequestResync("test");
        var observed = await ReadAsync(listener, wanted.Count);

        Assert.Equal(wanted.Order(), observed.Select(o => o.Key).Order());
        Assert.Equal(wanted.Count, await CallsAsync(connection, "pttl"));
        Assert.Equal(wanted.Order(), listener.KnownKeys.Order());
    }

    [Fact]
    public async Task Without_an_interest_the_listener_remembers_keys_up_to_its_budget_and_says_so()
    {
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        await WriteKeysAsync(connection, 300);
        var logger = new FakeLogger<KeyspaceListener>();
        await using var listener = Start(connection, interest: null, lfuMaxKeys: 100, knownKeyBudget: 100, logger);

        await Eventually.UntilAsync(
            () => logger.Collector.GetSnapshot().Any(r => r.Id.Name == "KnownKeysFull"),
            TimeSpan.FromSeconds(20),
            "the listener should say its budget is full");
        Assert.Equal(100, listener.KnownKeys.Count());
        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Name == "KnownKeysFull");
    }

    private static string Key(int id) => $"product:{id}";

    private static async Task WriteKeysAsync(IConnectionMultiplexer connection, int count)
    {
        var db = connection.GetDatabase();
        await Task.WhenAll(Enumerable.Range(1, count).Select(id => db.StringSetAsync(Key(id), "x", TimeSpan.FromMinutes(10))));
    }

    private static async Task<long> CallsAsync(IConnectionMultiplexer connection, string command)
    {
        var stats = await connection.GetServers()[0].InfoAsync("commandstats");
        var line = stats.SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_" + command).Value;
        return line is null ? 0 : long.Parse(line.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<KeyObservation>> ReadAsync(RunningListener running, int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var seen = new List<KeyObservation>();
        while (seen.Count < count)
        {
            seen.Add(await running.Listener.Observations.ReadAsync(timeout.Token));
        }

        return seen;
    }

    private static RunningListener Start(IConnectionMultiplexer connection, IKeyInterest? interest, int lfuMaxKeys, int knownKeyBudget = 100_000, FakeLogger<KeyspaceListener>? logger = null)
    {
        var options = new KeyspaceOptions { KnownKeyBudget = knownKeyBudget, BeaconInterval = TimeSpan.Zero };
        options.Patterns.Add(KeyPattern.Parse("product:{id}"));
        var hotKeys = Options.Create(new HotKeyOptions { LfuMaxKeys = lfuMaxKeys });
        var listener = new KeyspaceListener(connection, Options.Create(options), TimeProvider.System, logger ?? new FakeLogger<KeyspaceListener>(), hotKeys: hotKeys, interest: interest);
        listener.StartAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        return new RunningListener(listener);
    }

    // The consumer's followed set: what it wants is what it follows.
    private sealed class Interest(HashSet<string> followed) : IKeyInterest
    {
        public IEnumerable<string> Followed => followed;

        public bool Wants(string key) => followed.Contains(key);
    }

    private sealed class RunningListener(KeyspaceListener listener) : IAsyncDisposable
    {
        public KeyspaceListener Listener { get; } = listener;

        public Task InitialResync => Listener.InitialResync;

        public IEnumerable<string> KnownKeys => Listener.KnownKeys;

        public IEnumerable<string> CounterCandidates => Listener.CounterCandidates;

        public void RequestResync(string reason) => Listener.RequestResync(reason);

        public async ValueTask DisposeAsync()
        {
            await Listener.StopAsync(CancellationToken.None);
            Listener.Dispose();
        }
    }
}
