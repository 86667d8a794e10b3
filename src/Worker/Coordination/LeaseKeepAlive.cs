using StackExchange.Redis;

namespace CacheWarmer.Worker.Coordination;

/// <summary>
/// The leases a <see cref="LeaseKeepAlive"/> keeps, by index: how each is extended, and how their holder reacts when
/// one cannot be kept (a refresh lets its fenced write refuse; a warmup firing cancels its run).
/// </summary>
internal interface IKeptLeases
{
    /// <summary>Extends lease <paramref name="lease"/> to <paramref name="ttl"/> if it still holds this attempt's value; false when it does not.</summary>
    Task<bool> ExtendAsync(int lease, TimeSpan ttl);

    /// <summary>An extension failed (a Redis error or timeout); it is tried again at the next tick. <paramref name="left"/>: until the lease runs out.</summary>
    void ExtendFailed(int lease, Exception error, TimeSpan left);

    /// <summary>The lease holds another value now (it ran out, and another attempt may have it): it is extended no more.</summary>
    void Lost(int lease);

    /// <summary>No extension landed in time: the lease runs out in <paramref name="left"/>; it is extended no more.</summary>
    void RunningOut(int lease, TimeSpan left);
}

/// <summary>
/// Keeps leases alive while their attempt runs: every third of the lease TTL it sends each lease's extension (all of
/// them before any reply is awaited, so a batch's leases share one round trip). Only an extension that landed counts:
/// a lease is held until the time its last successful extension was sent (at first: <c>heldUntil</c>) plus its TTL, on
/// this replica's clock. A failed extension is tried again at the next tick; a lease is given up when an extension
/// finds another value in it (lost), or when it is down to a sixth of its TTL un-extended (running out), which leaves
/// that much time for its attempt to stop before another can take it. Once stopped, it reports nothing more.
/// Until its first tick, which nearly every refresh load ends before, a keep-alive costs one timer: no task, no
/// cancellation source, no exception (the <c>Task.Delay</c> loop it replaces was in about 5 % of the worker's refresh
/// samples; see docs/benchmarks.md).
/// </summary>
internal sealed class LeaseKeepAlive
{
    private readonly IKeptLeases _leases;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _period;
    private readonly TimeSpan _margin;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();

    // When each lease runs out unless extended; null once it is given up (lost or running out).
    private readonly DateTimeOffset?[] _heldUntil;
    private DateTimeOffset _armedFor;
    private Task? _round;
    private bool _stopped;

    /// <param name="leases">The leases and their holder's reactions.</param>
    /// <param name="count">How many leases <paramref name="leases"/> has.</param>
    /// <param name="heldUntil">When they run out unless extended, on this replica's clock: the time the request that
    /// took them was sent, plus their TTL (so a slow reply never makes them look held longer than they are).</param>
    /// <param name="ttl">The lease TTL (Refresh:LeaseTtl).</param>
    /// <param name="time">The clock.</param>
    public LeaseKeepAlive(IKeptLeases leases, int count, DateTimeOffset heldUntil, TimeSpan ttl, TimeProvider time)
    {
        _leases = leases;
        _ttl = ttl;
        _period = ttl / 3;
        _margin = _period / 2;
        _time = time;
        _heldUntil = new DateTimeOffset?[count];
        Array.Fill(_heldUntil, heldUntil);
        _timer = time.CreateTimer(static state => ((LeaseKeepAlive)state!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Arm(time.GetUtcNow() + _period);
    }

    /// <summary>Stops extending, and waits for an extension in flight, so none lands after the attempt's last write.</summary>
    public async ValueTask StopAsync()
    {
        Task? round;
        lock (_gate)
        {
            _stopped = true;
            round = _round;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        if (round is not null)
        {
            await round.ConfigureAwait(false);
        }
    }

    private bool Stopped
    {
        get
        {
            lock (_gate)
            {
                return _stopped;
            }
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _round = RoundAsync();
            }
        }
    }

    private async Task RoundAsync()
    {
        var now = _time.GetUtcNow();
        var next = now + _period;
        // Which deadline the timer was set for decides, not only a clock read after it: a timer may fire a little
        // early by the clock.
        var at = now > _armedFor ? now : _armedFor;
        var extensions = new Task?[_heldUntil.Length];
        for (var i = 0; i < _heldUntil.Length; i++)
        {
            if (_heldUntil[i] is not { } heldUntil)
            {
                continue;
            }

            var stopAt = heldUntil - _margin;
            if (at >= stopAt)
            {
                _heldUntil[i] = null;
                if (!Stopped)
                {
                    _leases.RunningOut(i, heldUntil - now);
                }

                continue;
            }

            extensions[i] = ExtendAsync(i, now, stopAt - now);
        }

        foreach (var extension in extensions)
        {
            if (extension is not null)
            {
                await extension.ConfigureAwait(false);
            }
        }

        Arm(next);
    }

    private async Task ExtendAsync(int i, DateTimeOffset sent, TimeSpan patience)
    {
        try
        {
            // Waited for no longer than the lease can spare: a reply that comes later is too late to count on.
            if (await _leases.ExtendAsync(i, _ttl).WaitAsync(patience, _time).ConfigureAwait(false))
            {
                _heldUntil[i] = sent + _ttl;
            }
            else
            {
                _heldUntil[i] = null;
                if (!Stopped)
                {
                    _leases.Lost(i);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            var left = _heldUntil[i]!.Value - _time.GetUtcNow();
            if (!Stopped)
            {
                _leases.ExtendFailed(i, ex, left);
            }
        }
    }

    // Sets the timer for the next tick, or sooner for a lease that runs out before it; not at all once every lease is given up.
    private void Arm(DateTimeOffset next)
    {
        var due = next;
        var any = false;
        foreach (var heldUntil in _heldUntil)
        {
            if (heldUntil is { } held)
            {
                any = true;
                due = held - _margin < due ? held - _margin : due;
            }
        }

        lock (_gate)
        {
            if (!any || _stopped)
            {
                return;
            }

            _armedFor = due;
            var wait = due - _time.GetUtcNow();
            _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }
}
