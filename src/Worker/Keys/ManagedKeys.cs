using System.Threading.Channels;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Keys;

/// <summary>
/// The set of keys the worker keeps warm and the next refresh of each. One loop owns this state and takes, in order,
/// what the tracker observes, what refreshes report, pins, and a once-a-second look at the hot-key model through the
/// <see cref="HotKeyPolicy"/>, so no lock guards it. A key that becomes managed is looked at by a refresh at once (it
/// finds the key fresh and plans it, or warms it when it is missing); a key that cools down is let expire.
/// </summary>
internal sealed partial class ManagedKeys(
    ManagedKeyIndex index,
    IKeyObservationSource observations,
    HotKeyModel model,
    HotKeyPolicy policy,
    LoaderCatalog catalog,
    RefreshPlanner planner,
    LoadTimeEstimator estimator,
    RefreshScheduler scheduler,
    RefreshResults results,
    LoadsInFlight loads,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    ReplicaIdentity replica,
    ReplicaMembership membership,
    IOptions<RedisOptions> redisOptions,
    IOptions<RefreshOptions> refreshOptions,
    IOptions<HotKeysOptions> hotKeysOptions,
    ILogger<ManagedKeys> logger) : BackgroundService
{
    // A missing key is warmed within this much, at random, so a mass expiry does not load everything at one instant.
    private static readonly TimeSpan WarmSpread = TimeSpan.FromMilliseconds(250);

    // Keys a resync reports missing come hottest first (a flush, a failover to an empty node, a restart); each fires this
    // much after the one before, so they load in that order, paced on top of Refresh:MaxConcurrency.
    private static readonly TimeSpan RewarmStep = TimeSpan.FromTicks(1000);

    // A standby warms a missing key, or first looks at a new one, this much after its owner would: by then the owner's
    // write has usually arrived, and the standby finds the key fresh.
    private static readonly TimeSpan StandbyLag = TimeSpan.FromSeconds(1);

    private readonly Channel<Input> _inbox = Channel.CreateUnbounded<Input>(new UnboundedChannelOptions { SingleReader = true });
    private bool _fullReported;
    private ReplicaSet? _replicas;
    private DateTimeOffset _rewarmCursor;

    /// <summary>Keeps <paramref name="key"/> managed at least until <paramref name="until"/>, whatever its rate.</summary>
    public void Pin(string key, DateTimeOffset until) => _inbox.Writer.TryWrite(new Input(InputKind.Pinned, Pin: new PinRequest(key, until)));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var redis = redisOptions.Value;
        Log.Started(logger, replica.Id, catalog.Loaders.Count, redis.Database, redis.KeyPrefix);
        foreach (var key in hotKeysOptions.Value.Pinned)
        {
            Pin(key, DateTimeOffset.MaxValue);
        }

        var pump = PumpAsync(observations.Observations, o => new Input(InputKind.Observed, Observation: o), stoppingToken);
        var refreshed = PumpAsync(results.Reader, r => new Input(InputKind.Refreshed, Result: r), stoppingToken);
        var replicas = PumpAsync(membership.Changes, r => new Input(InputKind.ReplicasChanged, Replicas: r), stoppingToken);
        var evaluate = EvaluateLoopAsync(stoppingToken);
        try
        {
            await foreach (var input in _inbox.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await (input.Kind switch
                    {
                        InputKind.Observed => OnObservedAsync(input.Observation, stoppingToken),
                        InputKind.Refreshed => OnRefreshedAsync(input.Result!, stoppingToken),
                        InputKind.Pinned => OnPinAsync(input.Pin!, stoppingToken),
                        InputKind.ReplicasChanged => OnReplicasChangedAsync(input.Replicas!, stoppingToken),
                        _ => EvaluateAsync(stoppingToken),
                    }).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.ScheduleFailed(logger, input.Key, ex);
                }

                metrics.ManagedKeys(index.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await pump.ConfigureAwait(false);
        await refreshed.ConfigureAwait(false);
        await replicas.ConfigureAwait(false);
        await evaluate.ConfigureAwait(false);
    }

    // Moves one input stream (the tracker's observations, the refreshes' results) into the loop's inbox, in order.
    private async Task PumpAsync<T>(ChannelReader<T> input, Func<T, Input> wrap, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in input.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                _inbox.Writer.TryWrite(wrap(item));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async ValueTask OnObservedAsync(KeyObservation observation, CancellationToken cancellationToken)
    {
        if (observation.Cause != KeyObservationCause.Resync)
        {
            metrics.KeyspaceEvent(EventLabel(observation.Cause));
        }

        var match = catalog.Match(observation.Key);
        if (match is null)
        {
            return;
        }

        var managed = index.TryGet(observation.Key, out var state);
        if (managed && observation.Cause == KeyObservationCause.Deleted)
        {
            // An invalidation: a load running now may hold the row from before the app's change.
            loads.Invalidate(observation.Key);
        }

        if (!managed && !TryManageEveryKey(observation, match.Loader))
        {
            // Not hot: the key lives and expires as its app wrote it.
            return;
        }

        if (observation.ExpiresAt is { } expiresAt)
        {
            await PlanAsync(observation.Key, expiresAt, cancellationToken).ConfigureAwait(false);
        }
        else if (observation.Exists)
        {
            // An app made the key permanent: nothing to keep warm (a pinned key waits for its TTL to come back).
            await LetGoAsync(observation.Key, index.States[observation.Key], cancellationToken).ConfigureAwait(false);
        }
        else if (managed && state!.FireAt > time.GetUtcNow() + WarmSpread &&
                 !(observation.Cause == KeyObservationCause.Resync && state.Expiry is null))
        {
            // A managed key is gone (expired, evicted, deleted, or Redis came back empty): warm it now. Whoever warms it
            // counts the miss when Redis expired or evicted it. A resync that finds a key still missing that is already
            // planned as missing (its warm, or its retry after a failed one) changes nothing.
            var missed = observation.Cause is KeyObservationCause.Expired or KeyObservationCause.Evicted;
            var fireAt = observation.Cause == KeyObservationCause.Resync ? NextRewarm() : time.GetUtcNow() + Jitter.UpTo(WarmSpread);
            if (RoleOf(observation.Key, state) == KeyRole.Standby)
            {
                fireAt += StandbyLag;
            }

            await ScheduleAsync(observation.Key, null, fireAt, cancellationToken, missed).ConfigureAwait(false);
        }
    }

    // With MinRatePerMinute 0 every loader key with a TTL is managed, as far as Capacity allows.
    private bool TryManageEveryKey(KeyObservation observation, Loader loader)
    {
        if (!policy.ManagesEveryKey || observation.ExpiresAt is null || membership.RoleOf(observation.Key) == KeyRole.None)
        {
            return false;
        }

        if (!policy.HasRoom(index.Count))
        {
            if (!_fullReported)
            {
                _fullReported = true;
                Log.ManagedKeysFull(logger, index.Count);
            }

            return false;
        }

        index.Add(new ManagedKey(observation.Key, loader, time.GetUtcNow()));
        return true;
    }

    private async ValueTask OnRefreshedAsync(RefreshResult result, CancellationToken cancellationToken)
    {
        if (!index.TryGet(result.Key, out var state))
        {
            return;
        }

        if (result.Outcome is RefreshOutcome.NoValue or RefreshOutcome.NotManaged or RefreshOutcome.KeyRejected)
        {
            await LetGoAsync(result.Key, state, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (result.Outcome == RefreshOutcome.Refreshed)
        {
            state.Absences = 0;
        }

        if (result.RetryAt is { } retryAt)
        {
            await ScheduleAsync(result.Key, result.ExpiresAt, retryAt, cancellationToken, failures: result.Failures).ConfigureAwait(false);
        }
        else if (result.ExpiresAt is { } expiresAt)
        {
            await PlanAsync(result.Key, expiresAt, cancellationToken).ConfigureAwait(false);
        }
    }

    // Plans a managed key's next refresh against its expiry, by this replica's role for it: its owner at the XFetch time,
    // its standby late; a key another replica owns and a third stands by for is no longer tracked here.
    private ValueTask PlanAsync(string key, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var state = index.States[key];
        var role = RoleOf(key, state);
        if (role == KeyRole.None)
        {
            return ForgetAsync(key, cancellationToken);
        }

        if (role == state.Role && state.Expiry is { } planned &&
            (expiresAt - planned).Duration() <= Refresher.FreshTolerance && state.FireAt > time.GetUtcNow())
        {
            // Already planned against this expiry (typically the echo of the worker's own write).
            return ValueTask.CompletedTask;
        }

        state.Role = role;
        if (role == KeyRole.Standby)
        {
            return ScheduleAsync(key, expiresAt, planner.StandbyAt(expiresAt), cancellationToken);
        }

        var fireAt = planner.FireAt(expiresAt, estimator.Estimate(state.Loader.Name));
        return ScheduleAsync(key, expiresAt, fireAt, cancellationToken, earliestAt: planner.EarliestAt(expiresAt));
    }

    // A pinned key is this replica's own to keep warm (the pin was asked of this replica); any other goes by the live
    // replicas.
    private KeyRole RoleOf(string key, ManagedKey state) =>
        state.PinnedUntil > time.GetUtcNow() ? KeyRole.Owner : membership.RoleOf(key);

    // Replicas came or went: keys whose role here changed are planned again from their known expiry (a standby that
    // became owner plans its XFetch time at once), and keys now owned and stood by for elsewhere are let go. A replica
    // that left leaves keys this one now stands by for without knowing them: with every key managed, a resync finds
    // them; hot keys come from the model within a second.
    private async ValueTask OnReplicasChangedAsync(ReplicaSet replicas, CancellationToken cancellationToken)
    {
        var changed = new List<(string Key, KeyRole Role)>();
        foreach (var (key, state) in index.States)
        {
            var role = RoleOf(key, state);
            if (role != state.Role)
            {
                changed.Add((key, role));
            }
        }

        foreach (var (key, role) in changed)
        {
            var state = index.States[key];
            if (role == KeyRole.None)
            {
                await ForgetAsync(key, cancellationToken).ConfigureAwait(false);
            }
            else if (state.Expiry is { } expiry)
            {
                await PlanAsync(key, expiry, cancellationToken).ConfigureAwait(false);
            }
        }

        var left = _replicas is { } before && before.Ids.Except(replicas.Ids, StringComparer.Ordinal).Any();
        _replicas = replicas;
        if (left && policy.ManagesEveryKey)
        {
            observations.RequestResync("a replica left");
        }

        Log.KeysReassigned(logger, replicas.Ids.Count, changed.Count(c => c.Role == KeyRole.None), changed.Count(c => c.Role != KeyRole.None), index.Count);
    }

    private async ValueTask ScheduleAsync(string key, DateTimeOffset? expiry, DateTimeOffset fireAt, CancellationToken cancellationToken, bool missed = false, int failures = 0, DateTimeOffset? earliestAt = null)
    {
        // The state's own name, not the caller's: each event brings its own copy of the key's text.
        var state = index.States[key];
        state.Expiry = expiry;
        state.FireAt = fireAt;
        await scheduler.ScheduleAsync(state.Name, fireAt, expiry, missed, cancellationToken, failures, earliestAt).ConfigureAwait(false);
    }

    private async ValueTask ForgetAsync(string key, CancellationToken cancellationToken)
    {
        if (index.Remove(key))
        {
            await scheduler.UnscheduleAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    // Constant labels: this runs for every keyspace event.
    private static string EventLabel(KeyObservationCause cause) => cause switch
    {
        KeyObservationCause.Expired => "expired",
        KeyObservationCause.Evicted => "evicted",
        KeyObservationCause.Deleted => "deleted",
        _ => "written",
    };

    // The next slot of a re-warm: a random start within WarmSpread (replicas do not move in lockstep), then in order.
    private DateTimeOffset NextRewarm()
    {
        var now = time.GetUtcNow();
        _rewarmCursor = (_rewarmCursor > now ? _rewarmCursor : now + Jitter.UpTo(WarmSpread)) + RewarmStep;
        return _rewarmCursor;
    }
}
