using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Telemetry;

namespace CacheWarmer.Worker.Keys;

/// <summary>Which keys enter and leave the managed set: the once-a-second look at the model, pins and hold-offs.</summary>
internal sealed partial class ManagedKeys
{
    // A key the source had no row for is not taken back sooner than this (or CoolDown, if longer).
    private static readonly TimeSpan MinHoldOff = TimeSpan.FromSeconds(30);

    // How often the hot-key model is looked at.
    private static readonly TimeSpan EvaluateInterval = TimeSpan.FromSeconds(1);

    // Keys that become managed together are looked at no faster than this (most are found fresh: one Redis round trip).
    private const double PromotionsPerSecond = 2000;

    // Keys dropped because the source has no row for them, or Redis holds them without a TTL: however hot, they are not
    // taken back before this time, so a hot key with no row costs one query per hold-off, not one a second.
    private readonly Dictionary<string, DateTimeOffset> _heldOff = new(StringComparer.Ordinal);

    // The model's keys above the exit rate, filled again at each look: with every key managed that is every key the
    // model tracks, and a new list each second would be that large, on the large-object heap.
    private readonly List<HotKeyEstimate> _estimates = [];

    private bool _pinsFullReported;

    private async Task EvaluateLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(EvaluateInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                _inbox.Writer.TryWrite(new Input(InputKind.Evaluate));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async ValueTask EvaluateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        model.Above(policy.ExitRate, _estimates);
        var decision = policy.Decide(_estimates, index.States, now);
        foreach (var key in decision.Leave)
        {
            await ForgetAsync(key, cancellationToken).ConfigureAwait(false);
        }

        foreach (var key in _heldOff.Where(h => h.Value <= now).Select(h => h.Key).ToList())
        {
            _heldOff.Remove(key);
        }

        var enter = decision.Enter.Where(e => !_heldOff.ContainsKey(e.Key)).ToList();
        var spread = TimeSpan.FromSeconds(Math.Max(WarmSpread.TotalSeconds, enter.Count / PromotionsPerSecond));
        foreach (var (key, loader) in enter)
        {
            await StartManagingAsync(key, loader, now + Jitter.UpTo(spread), cancellationToken).ConfigureAwait(false);
        }

        if (enter.Count > 0 || decision.Leave.Count > 0)
        {
            Log.HotKeysChanged(logger, enter.Count, decision.Leave.Count, index.Count);
        }
    }

    private async ValueTask OnPinAsync(PinRequest pin, CancellationToken cancellationToken)
    {
        if (index.TryGet(pin.Key, out var state))
        {
            state.PinnedUntil = pin.Until > state.PinnedUntil ? pin.Until : state.PinnedUntil;
        }
        else if (!policy.HasRoomForPin(index.Count))
        {
            metrics.PinCapacityReached("pin");
            if (!_pinsFullReported)
            {
                _pinsFullReported = true;
                var hotKeys = hotKeysOptions.Value;
                Log.PinnedKeysFull(logger, index.Count, hotKeys.Capacity, hotKeys.PinnedCapacity, pin.Key);
            }
        }
        else if (catalog.Match(pin.Key) is { } match)
        {
            await StartManagingAsync(pin.Key, match.Loader, time.GetUtcNow() + Jitter.UpTo(WarmSpread), cancellationToken, pin.Until).ConfigureAwait(false);
        }
    }

    // A newly managed key is looked at by a refresh that knows no expiry: it finds the key fresh and plans it, or finds
    // it missing and warms it; its standby looks a little later.
    private ValueTask StartManagingAsync(string key, Loader loader, DateTimeOffset fireAt, CancellationToken cancellationToken, DateTimeOffset? pinnedUntil = null)
    {
        var state = new ManagedKey(key, loader, time.GetUtcNow()) { PinnedUntil = pinnedUntil ?? DateTimeOffset.MinValue };
        index.Add(state);
        state.Role = RoleOf(key, state);
        return ScheduleAsync(key, null, state.Role == KeyRole.Standby ? fireAt + StandbyLag : fireAt, cancellationToken);
    }

    // A key with nothing to keep warm (the source has no row for it, or Redis holds it without a TTL) leaves the managed
    // set and is held off; a pinned key stays, and is looked at again after a backoff that doubles from
    // Refresh:FailSafe:RetryDelay up to MinHoldOff: a pinned key with no row costs one query per 30 s at most, and is
    // back soon after its row is. A TTL set on a permanent key again is noticed at once, from its keyspace event.
    private async ValueTask LetGoAsync(string key, ManagedKey state, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (state.PinnedUntil < now)
        {
            await ForgetAsync(key, cancellationToken).ConfigureAwait(false);
            _heldOff[key] = now + HoldOff();
            return;
        }

        state.Absences++;
        var delay = refreshOptions.Value.FailSafe.RetryDelay * Math.Pow(2, Math.Min(state.Absences - 1, 20));
        if (delay > MinHoldOff)
        {
            delay = MinHoldOff;
        }

        // Jitter (x0.5 to x1.5) keeps pinned keys and replicas from looking in lockstep.
        delay = Jitter.Around(delay);
        Log.PinnedKeyAbsent(logger, key, state.Absences, (long)delay.TotalMilliseconds);
        await ScheduleAsync(key, null, now + delay, cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan HoldOff() => hotKeysOptions.Value.CoolDown > MinHoldOff ? hotKeysOptions.Value.CoolDown : MinHoldOff;

    private sealed record PinRequest(string Key, DateTimeOffset Until);

    private enum InputKind
    {
        Observed,
        Refreshed,
        Pinned,
        Evaluate,
        ReplicasChanged,
    }

    // One input of the loop: what the tracker observed, how a refresh ended, a pin, the once-a-second look at the model,
    // or a new set of live replicas; Kind says which part is set.
    private readonly record struct Input(InputKind Kind, KeyObservation Observation = default, RefreshResult? Result = null, PinRequest? Pin = null, ReplicaSet? Replicas = null)
    {
        public string Key => Kind switch
        {
            InputKind.Observed => Observation.Key,
            InputKind.Refreshed => Result!.Key,
            InputKind.Pinned => Pin!.Key,
            InputKind.ReplicasChanged => "(live replicas)",
            _ => "(hot-key evaluation)",
        };
    }
}
