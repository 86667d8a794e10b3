using System.Diagnostics.Metrics;
using System.Threading.Channels;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Keys;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Keys;

/// <summary>
/// The managed-key loop with every key managed (MinRatePerMinute 0), fed observations, refresh results and replica
/// sets as data, its plans read from the index it publishes. No Redis: time is a FakeTimeProvider that stands still.
/// </summary>
public sealed class ManagedKeysTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Buffer = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly Channel<KeyObservation> _observations = Channel.CreateUnbounded<KeyObservation>();
    private readonly FakeObservationSource _source;
    private readonly ReplicaIdentity _replica = new();
    private readonly ReplicaMembership _membership;
    private readonly RefreshResults _results = new();
    private readonly ManagedKeyIndex _index;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ManagedKeys _keys;

    public ManagedKeysTests()
    {
        _source = new FakeObservationSource(_observations.Reader);
        var options = new CacheWarmerOptions();
        options.Loaders["product"] = new LoaderOptions { Key = "product:{id}", Source = "catalog", Query = "SELECT @id", Ttl = TimeSpan.FromMinutes(1) };
        options.HotKeys.MinRatePerMinute = 0;
        options.Refresh.Buffer = Buffer;
        var catalog = new LoaderCatalog(Options.Create(options.Loaders));
        _membership = new ReplicaMembership(_replica, Options.Create(options.Refresh), NullLogger<ReplicaMembership>.Instance);
        var policy = new HotKeyPolicy(catalog, _membership, Options.Create(options.HotKeys));
        _index = new ManagedKeyIndex(policy, _membership);
        var model = new HotKeyModel(Options.Create(new HotKeyOptions()), _time);
        _keys = new ManagedKeys(
            _index,
            _source,
            model,
            policy,
            catalog,
            new RefreshPlanner(Options.Create(options.Refresh), _time),
            new LoadTimeEstimator(),
            new RefreshScheduler(_time),
            _results,
            new LoadsInFlight(),
            new CacheWarmerMetrics(_services.GetRequiredService<IMeterFactory>(), model),
            _time,
            _replica,
            _membership,
            Options.Create(options.Redis),
            Options.Create(options.Refresh),
            Options.Create(options.HotKeys),
            NullLogger<ManagedKeys>.Instance);
    }

    [Fact]
    public async Task A_replica_alone_plans_a_written_key_at_least_a_buffer_before_it_expires()
    {
        await _keys.StartAsync(TestContext.Current.CancellationToken);
        var expiry = Start.AddSeconds(60);

        Observe("product:1", expiry);

        var fireAt = await PlannedAsync("product:1");
        Assert.InRange(fireAt, Start, expiry - Buffer);
    }

    [Fact]
    public async Task Among_four_replicas_it_plans_the_keys_it_owns_stands_by_late_for_others_and_leaves_the_rest()
    {
        _membership.Update(Others(3));
        await _keys.StartAsync(TestContext.Current.CancellationToken);
        var expiry = Start.AddSeconds(60);
        var owned = KeyWith(KeyRole.Owner);
        var stoodBy = KeyWith(KeyRole.Standby);
        var others = KeyWith(KeyRole.None);

        Observe(others, expiry);
        Observe(owned, expiry);
        Observe(stoodBy, expiry);

        Assert.InRange(await PlannedAsync(owned), Start, expiry - Buffer);
        Assert.Equal(expiry - (Buffer * RefreshPlanner.StandbyShare), await PlannedAsync(stoodBy));

        // Observations are handled in order: the key left to the others came first and was not taken.
        Assert.False(_index.TryGetNextRefresh(others, out _));
    }

    [Fact]
    public async Task When_the_owner_leaves_its_standby_plans_the_key_as_owner_from_the_expiry_it_knew()
    {
        var others = Others(1);
        _membership.Update(others);
        await _keys.StartAsync(TestContext.Current.CancellationToken);
        var expiry = Start.AddSeconds(60);
        var key = KeyWith(KeyRole.Standby);
        Observe(key, expiry);
        Assert.Equal(expiry - (Buffer * RefreshPlanner.StandbyShare), await PlannedAsync(key));

        _membership.Update([]);

        await Eventually.UntilAsync(
            () => Task.FromResult(_index.TryGetNextRefresh(key, out var fireAt) && fireAt <= expiry - Buffer),
            Patience,
            "the former standby should plan the key at the owner's time");

        // And it looks for the keys it now stands by for, which it did not follow.
        await Eventually.UntilAsync(() => Task.FromResult(_source.Resyncs.Count == 1), Patience, "a departure should ask for a resync");
    }

    [Fact]
    public async Task When_a_replica_joins_keys_it_takes_with_a_third_standing_by_are_let_go_and_a_resync_is_not_needed()
    {
        var others = Others(2);
        _membership.Update(others.Take(1));
        await _keys.StartAsync(TestContext.Current.CancellationToken);
        var expiry = Start.AddSeconds(60);

        // Keys this replica owns or stands by for among two, but leaves to the others among three.
        var keys = Enumerable.Range(0, 400).Select(i => "product:" + i).ToList();
        var three = new ReplicaSet(others.Append(_replica.Id), _replica.Id);
        var leaving = keys.First(k => three.RoleOf(k) == KeyRole.None);
        var staying = keys.First(k => three.RoleOf(k) == KeyRole.Owner);
        Observe(leaving, expiry);
        Observe(staying, expiry);
        await PlannedAsync(leaving);
        await PlannedAsync(staying);

        _membership.Update(others);

        await Eventually.UntilAsync(() => Task.FromResult(!_index.TryGetNextRefresh(leaving, out _)), Patience, "the key now left to others should be let go");
        Assert.True(_index.TryGetNextRefresh(staying, out _));
        Assert.Empty(_source.Resyncs);

        // A replica leaving does ask for one: keys this replica now stands by for were followed by nobody here.
        _membership.Update(others.Take(1));
        await Eventually.UntilAsync(() => Task.FromResult(_source.Resyncs.Count == 1), Patience, "a departure should ask for a resync");
    }

    [Fact]
    public async Task A_refresh_result_plans_the_next_cycle_and_a_key_with_no_row_is_let_go()
    {
        await _keys.StartAsync(TestContext.Current.CancellationToken);
        var expiry = Start.AddSeconds(60);
        Observe("product:1", expiry);
        Observe("product:2", expiry);
        await PlannedAsync("product:1");
        await PlannedAsync("product:2");

        var next = Start.AddSeconds(120);
        _results.Report(new RefreshResult("product:1", RefreshOutcome.Refreshed, next));
        _results.Report(new RefreshResult("product:2", RefreshOutcome.NoValue, null));

        await Eventually.UntilAsync(
            () => Task.FromResult(_index.TryGetNextRefresh("product:1", out var fireAt) && fireAt > expiry && fireAt <= next - Buffer),
            Patience,
            "the refreshed key should be planned against its new expiry");
        await Eventually.UntilAsync(() => Task.FromResult(!_index.TryGetNextRefresh("product:2", out _)), Patience, "the key with no row should be let go");
    }

    [Fact]
    public async Task Keys_matching_no_loader_and_keys_without_a_ttl_are_not_managed()
    {
        await _keys.StartAsync(TestContext.Current.CancellationToken);

        Observe("order:1", Start.AddSeconds(60));
        _observations.Writer.TryWrite(new KeyObservation("product:2", KeyObservationCause.Written, Exists: true, ExpiresAt: null));
        Observe("product:3", Start.AddSeconds(60));

        await PlannedAsync("product:3");
        Assert.False(_index.TryGetNextRefresh("order:1", out _));
        Assert.False(_index.TryGetNextRefresh("product:2", out _));
    }

    public async ValueTask DisposeAsync()
    {
        await _keys.StopAsync(CancellationToken.None);
        _keys.Dispose();
        await _services.DisposeAsync();
    }

    private static List<string> Others(int count) => Enumerable.Range(0, count).Select(i => $"other-{i}-000000").ToList();

    private string KeyWith(KeyRole role) =>
        Enumerable.Range(0, 1000).Select(i => "product:" + i).First(k => _membership.RoleOf(k) == role);

    private void Observe(string key, DateTimeOffset expiresAt) =>
        _observations.Writer.TryWrite(new KeyObservation(key, KeyObservationCause.Written, Exists: true, expiresAt));

    private async Task<DateTimeOffset> PlannedAsync(string key)
    {
        var fireAt = DateTimeOffset.MinValue;
        await Eventually.UntilAsync(() => Task.FromResult(_index.TryGetNextRefresh(key, out fireAt)), Patience, $"{key} should be planned");
        return fireAt;
    }

    private sealed class FakeObservationSource(ChannelReader<KeyObservation> observations) : IKeyObservationSource
    {
        public List<string> Resyncs { get; } = [];

        public ChannelReader<KeyObservation> Observations => observations;

        public void RequestResync(string reason)
        {
            lock (Resyncs)
            {
                Resyncs.Add(reason);
            }
        }
    }
}
