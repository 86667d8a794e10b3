using System.Diagnostics.Metrics;
using System.Threading.Channels;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Refresh;

/// <summary>
/// The dispatcher with a fake refresher whose refreshes end when the test says: which keys it hands over, when, how
/// many at once, with which batch, what it reports, and how it stops. No Redis, no database; time is a FakeTimeProvider.
/// </summary>
public sealed class RefreshDispatcherTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    // A real-time bound on waiting for the dispatcher's own threads; the fake clock is what the tests advance.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private readonly FakeRefresher _refresher = new();
    private readonly RefreshScheduler _scheduler;
    private readonly RefreshResults _results = new();
    private readonly FakeLogger<RefreshDispatcher> _logger = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private RefreshDispatcher? _dispatcher;

    public RefreshDispatcherTests() => _scheduler = new RefreshScheduler(_time);

    [Fact]
    public async Task A_refresh_is_handed_over_when_it_comes_due_with_its_plan_and_its_result_goes_out()
    {
        await _scheduler.ScheduleAsync("user:1", Start.AddSeconds(1), Start.AddSeconds(10), missed: true, _ct, failures: 2);
        await StartAsync(new RefreshOptions());

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(_refresher.Calls.TryRead(out _), "a refresh was handed over before its fire time");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var call = await NextCallAsync();
        Assert.Equal([new DueRefresh("user:1", default, Start.AddSeconds(10), true, 2)], call.Keys);

        var result = new RefreshResult("user:1", RefreshOutcome.Refreshed, Start.AddMinutes(5));
        call.Complete(result);
        Assert.Same(result, await _results.Reader.ReadAsync(_ct).AsTask().WaitAsync(Patience, _ct));
    }

    [Fact]
    public async Task At_most_MaxConcurrency_refreshes_run_at_once_and_a_freed_slot_takes_the_earliest_due()
    {
        for (var i = 1; i <= 4; i++)
        {
            await _scheduler.ScheduleAsync($"user:{i}", Start.AddSeconds(i - 5), null, missed: false, _ct);
        }

        await StartAsync(new RefreshOptions { MaxConcurrency = 2 });
        var first = await NextCallAsync();
        var second = await NextCallAsync();

        Assert.Equal(["user:1", "user:2"], new[] { first, second }.Select(c => c.Keys.Single().Key));
        Assert.Equal(2, _scheduler.Count);
        Assert.False(_refresher.Calls.TryRead(out _), "a third refresh started while both slots were busy");
        Assert.Equal(2, _refresher.InFlight);

        second.Complete(Refreshed("user:2"));
        var third = await NextCallAsync();
        Assert.Equal("user:3", third.Keys.Single().Key);
        Assert.Equal(1, _scheduler.Count);

        first.Complete(Refreshed("user:1"));
        third.Complete(Refreshed("user:3"));
        (await NextCallAsync()).Complete(Refreshed("user:4"));

        var reported = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            reported.Add((await _results.Reader.ReadAsync(_ct).AsTask().WaitAsync(Patience, _ct)).Key);
        }

        Assert.Equal(["user:1", "user:2", "user:3", "user:4"], reported.Order(StringComparer.Ordinal));
        Assert.Equal(2, _refresher.MaxInFlight);
    }

    [Fact]
    public async Task A_refresh_that_throws_is_reported_failed_with_one_more_failure_and_retried_after_RetryDelay()
    {
        await _scheduler.ScheduleAsync("user:1", Start, Start.AddSeconds(30), missed: false, _ct, failures: 3);
        await StartAsync(new RefreshOptions { FailSafe = { RetryDelay = TimeSpan.FromSeconds(2) } });

        var call = await NextCallAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        call.Fail(new InvalidOperationException("boom"));

        var result = await _results.Reader.ReadAsync(_ct).AsTask().WaitAsync(Patience, _ct);
        Assert.Equal(new RefreshResult("user:1", RefreshOutcome.Failed, Start.AddSeconds(30), Start.AddSeconds(3), 4), result);
        var logged = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Equal("boom", logged.Exception?.Message);
    }

    [Fact]
    public async Task A_due_key_of_a_batch_loader_takes_along_its_loaders_keys_due_within_the_window_and_no_others()
    {
        await _scheduler.ScheduleAsync("product:1", Start, null, missed: false, _ct);
        await _scheduler.ScheduleAsync("user:1", Start.AddMilliseconds(10), null, missed: false, _ct);
        await _scheduler.ScheduleAsync("product:2", Start.AddMilliseconds(20), null, missed: false, _ct);
        await _scheduler.ScheduleAsync("product:3", Start.AddMilliseconds(30), null, missed: false, _ct);
        await _scheduler.ScheduleAsync("product:4", Start.AddMilliseconds(40), null, missed: false, _ct);
        await StartAsync(new RefreshOptions { MaxConcurrency = 1, MaxBatchSize = 3, BatchWindow = TimeSpan.FromMilliseconds(50) });

        var batch = await NextCallAsync();
        Assert.True(batch.IsBatch);
        Assert.Equal(["product:1", "product:2", "product:3"], batch.Keys.Select(k => k.Key));
        batch.Complete(Refreshed("product:1"), Refreshed("product:2"), Refreshed("product:3"));

        // The other loader's key kept its time; the key beyond MaxBatchSize comes due at its own, alone.
        _time.Advance(TimeSpan.FromMilliseconds(10));
        var user = await NextCallAsync();
        Assert.Equal(("user:1", false), (user.Keys.Single().Key, user.IsBatch));
        user.Complete(Refreshed("user:1"));

        _time.Advance(TimeSpan.FromMilliseconds(30));
        var last = await NextCallAsync();
        Assert.Equal(("product:4", false), (last.Keys.Single().Key, last.IsBatch));
        last.Complete(Refreshed("product:4"));
    }

    [Fact]
    public async Task Fire_lag_records_how_long_a_due_refresh_waited_for_a_free_slot()
    {
        using var lag = new MetricCollector<double>(_services.GetRequiredService<IMeterFactory>(), CacheWarmerMetrics.MeterName, "cachewarmer.refresh.fire_lag");
        await _scheduler.ScheduleAsync("user:1", Start, null, missed: false, _ct);
        await _scheduler.ScheduleAsync("user:2", Start, null, missed: false, _ct);
        await StartAsync(new RefreshOptions { MaxConcurrency = 1 });

        var first = await NextCallAsync();
        _time.Advance(TimeSpan.FromSeconds(3));
        first.Complete(Refreshed("user:1"));
        (await NextCallAsync()).Complete(Refreshed("user:2"));

        Assert.Equal([0, 3], lag.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public async Task Stopping_waits_for_the_running_refresh_and_a_stopped_dispatcher_takes_no_more()
    {
        await _scheduler.ScheduleAsync("user:1", Start, null, missed: false, _ct);
        await _scheduler.ScheduleAsync("user:2", Start.AddSeconds(1), null, missed: false, _ct);
        var dispatcher = await StartAsync(new RefreshOptions { MaxConcurrency = 2 });
        var running = await NextCallAsync();

        var stopping = dispatcher.StopAsync(_ct);
        Assert.False(stopping.IsCompleted, "the dispatcher stopped before its running refresh ended");

        running.Complete(Refreshed("user:1"));
        await stopping.WaitAsync(Patience, _ct);
        Assert.Equal("user:1", (await _results.Reader.ReadAsync(_ct)).Key);

        // The next key comes due only once the dispatcher has stopped: it stays planned.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(_refresher.Calls.TryRead(out _), "a refresh started after the dispatcher stopped");
        Assert.Equal(1, _scheduler.Count);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dispatcher is not null)
        {
            // A test that failed half way leaves refreshes running; ending them lets the dispatcher drain and stop.
            _refresher.CompleteAll();
            await _dispatcher.StopAsync(CancellationToken.None);
            _dispatcher.Dispose();
        }

        await _services.DisposeAsync();
    }

    private async Task<RefreshDispatcher> StartAsync(RefreshOptions refresh)
    {
        var options = new CacheWarmerOptions { Refresh = refresh };
        options.Loaders["product"] = new LoaderOptions
        {
            Key = "product:{id}",
            Source = "catalog",
            Query = "SELECT id FROM products WHERE id = @id",
            BatchQuery = "SELECT id FROM products WHERE id IN @ids",
        };
        options.Loaders["user"] = new LoaderOptions { Key = "user:{id}", Source = "catalog", Query = "SELECT id FROM users WHERE id = @id" };
        var metrics = new CacheWarmerMetrics(_services.GetRequiredService<IMeterFactory>(), new HotKeyModel(Options.Create(new HotKeyOptions()), _time));
        _dispatcher = new RefreshDispatcher(
            _scheduler, new RefreshCapacity(Options.Create(refresh)), _refresher, new LoaderCatalog(Options.Create(options.Loaders)),
            _results, metrics, _time, Options.Create(refresh), _logger);
        await _dispatcher.StartAsync(_ct);
        return _dispatcher;
    }

    private async Task<Call> NextCallAsync() => await _refresher.Calls.ReadAsync(_ct).AsTask().WaitAsync(Patience, _ct);

    private static RefreshResult Refreshed(string key) => new(key, RefreshOutcome.Refreshed, Start.AddMinutes(5));

    /// <summary>One hand-over to the refresher: its keys (FireAt is not passed to a single refresh), ended by the test.</summary>
    private sealed class Call(IReadOnlyList<DueRefresh> keys, bool isBatch, FakeRefresher owner)
    {
        private int _ended;

        public IReadOnlyList<DueRefresh> Keys { get; } = keys;

        public bool IsBatch { get; } = isBatch;

        public TaskCompletionSource<RefreshResult>[] Results { get; } =
            [.. keys.Select(_ => new TaskCompletionSource<RefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously))];

        public void Complete(params RefreshResult[] results)
        {
            End();
            for (var i = 0; i < Results.Length; i++)
            {
                Results[i].TrySetResult(results[i]);
            }
        }

        public void Fail(Exception exception)
        {
            End();
            Array.ForEach(Results, r => r.TrySetException(exception));
        }

        public void CompleteUnlessEnded()
        {
            if (Volatile.Read(ref _ended) == 0)
            {
                Complete([.. Keys.Select(k => Refreshed(k.Key))]);
            }
        }

        private void End()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Interlocked.Decrement(ref owner.InFlight);
            }
        }
    }

    private sealed class FakeRefresher : IRefresher
    {
        private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>();
        private readonly List<Call> _all = [];
        public int InFlight;
        public int MaxInFlight;

        public ChannelReader<Call> Calls => _calls.Reader;

        public Task<RefreshResult> RefreshAsync(string key, DateTimeOffset? plannedExpiry, bool missed = false, int failures = 0, LoaderMatch? match = null) =>
            Take([new DueRefresh(key, default, plannedExpiry, missed, failures)], isBatch: false)[0];

        public Task<RefreshResult>[] RefreshBatchAsync(IReadOnlyList<DueRefresh> due) => Take(due, isBatch: true);

        public void CompleteAll()
        {
            lock (_all)
            {
                _all.ForEach(c => c.CompleteUnlessEnded());
            }
        }

        private Task<RefreshResult>[] Take(IReadOnlyList<DueRefresh> keys, bool isBatch)
        {
            var call = new Call(keys, isBatch, this);
            var inFlight = Interlocked.Increment(ref InFlight);
            lock (_all)
            {
                _all.Add(call);
                MaxInFlight = Math.Max(MaxInFlight, inFlight);
            }

            _calls.Writer.TryWrite(call);
            return [.. call.Results.Select(r => r.Task)];
        }
    }
}
