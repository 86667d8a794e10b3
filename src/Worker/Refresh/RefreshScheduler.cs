using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The next refresh of every managed key, in memory: one entry per key in a min-heap by fire time. Scheduling a key
/// again replaces its entry; <see cref="RefreshDispatcher"/> takes the due entries in fire-time order.
/// </summary>
/// <remarks>
/// This replaced one Quartz trigger per key: with 100,000 keys Quartz's in-memory store fired 3,300 refreshes a second
/// at most here, seconds late (docs/decisions.md has the figures). A plan moved earlier leaves its old slot in the
/// heap, skipped when it comes up; the heap is rebuilt when such stale slots outnumber the plans.
/// <para>
/// When more refreshes are planned close together than the replica's measured rate gets through in time (keys an app
/// wrote at once with one TTL), entries are taken before their plan, though never before their
/// <see cref="DueRefresh.EarliestAt"/>, which the planner keeps within half the time left, so such a refresh still moves
/// the expiry far enough for other replicas to find the key fresh.
/// </para>
/// </remarks>
internal sealed class RefreshScheduler(TimeProvider time, RefreshCapacity? capacity = null)
{
    private const int CompactAbove = 1024;

    // Timers take at most about 49 days; a key planned further out is looked at again within this.
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    // How often the start of planned work is looked at again: it moves as keys are planned and as the rate is measured.
    private static readonly TimeSpan StartByAge = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(250);

    private readonly RefreshCalendar _calendar = new();
    private DateTimeOffset _startBy = DateTimeOffset.MaxValue;
    private DateTimeOffset _startByAt = DateTimeOffset.MinValue;

    private readonly Lock _gate = new();

    // The keys by fire time (UTC ticks). A key has one slot at its plan's SlotAt, at or before its FireAt; a plan moved
    // later keeps its slot, which moves on when it comes up, so a standby whose plan every owner write postpones adds
    // nothing to the heap. A slot that no longer matches its key's plan is skipped when it comes up.
    private readonly PriorityQueue<string, long> _heap = new();
    private readonly Dictionary<string, PlannedRefresh> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Keys with a refresh planned.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <param name="key">The key.</param>
    /// <param name="fireAt">When to refresh it.</param>
    /// <param name="plannedExpiry">The expiry the refresh is planned against; null to warm a missing key.</param>
    /// <param name="missed">True when the key is being warmed because Redis expired or evicted it under readers.</param>
    /// <param name="cancellationToken">Unused: scheduling does not wait.</param>
    /// <param name="failures">Attempts in a row that failed before this one (sets the next failure's backoff).</param>
    /// <param name="earliestAt">How early it may run when planned work runs behind; null: not before <paramref name="fireAt"/>.</param>
    public ValueTask ScheduleAsync(string key, DateTimeOffset fireAt, DateTimeOffset? plannedExpiry, bool missed, CancellationToken cancellationToken, int failures = 0, DateTimeOffset? earliestAt = null)
    {
        var plan = new PlannedRefresh(fireAt.UtcTicks, UtcTicks.Of(plannedExpiry), UtcTicks.Of(earliestAt), failures, missed);
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, key, out var replacing);
            if (replacing)
            {
                _calendar.Remove(UtcTicks.At(slot.FireAt));
            }

            if (replacing && slot.SlotAt <= plan.FireAt)
            {
                plan.SlotAt = slot.SlotAt;
            }
            else
            {
                plan.SlotAt = plan.FireAt;
                if (!_heap.TryPeek(out _, out var earliest) || plan.FireAt < earliest)
                {
                    wake = TakeSignal();
                }

                _heap.Enqueue(key, plan.FireAt);
            }

            slot = plan;
            _calendar.Add(fireAt);
            CompactIfStale();
        }

        wake?.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask UnscheduleAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pending.Remove(key, out var removed))
            {
                _calendar.Remove(UtcTicks.At(removed.FireAt));
            }

            CompactIfStale();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for the earliest planned refresh to come due and takes it off the schedule.</summary>
    public async ValueTask<DueRefresh> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            TimeSpan wait;
            lock (_gate)
            {
                if (TryTakeDue(out var due, out wait))
                {
                    return due;
                }

                changed = _changed.Task;
            }

            if (wait == Timeout.InfiniteTimeSpan)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                await changed.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The earliest entry is due (or was replaced meanwhile): look again.
            }
        }
    }

    /// <summary>
    /// Takes, besides a due entry already taken, up to <paramref name="max"/> more entries that <paramref name="fits"/>
    /// and that are due now or within <paramref name="window"/>, in fire-time order: the keys a batch loads with it. No
    /// key is taken more than the window ahead of its plan; entries that do not fit stay planned as they were.
    /// </summary>
    public List<DueRefresh> TakeAlong(Func<DueRefresh, bool> fits, TimeSpan window, int max)
    {
        var taken = new List<DueRefresh>();
        List<(string Key, long At)>? others = null;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var until = (now + window).UtcTicks;
            var behind = IsBehind(now);
            // Entries of other loaders are looked at (and put back) up to a bound, so one batch never walks the schedule.
            var looked = 0;
            while (taken.Count < max && looked < 4 * max && TryPeekLive(out var key, out var plan)
                && (plan.FireAt <= until || (behind && plan.MayStartBy(now.UtcTicks))))
            {
                _heap.Dequeue();
                looked++;
                var entry = plan.Due(key);
                if (fits(entry))
                {
                    _pending.Remove(key);
                    _calendar.Remove(entry.FireAt);
                    taken.Add(entry);
                }
                else
                {
                    (others ??= []).Add((key, plan.FireAt));
                }
            }

            foreach (var (key, at) in others ?? [])
            {
                _heap.Enqueue(key, at);
            }
        }

        return taken;
    }

    // Under the gate: the earliest slot that is its key's plan, with slots of replaced and removed plans dropped and
    // slots of postponed ones moved on to their plan.
    private bool TryPeekLive(out string key, out PlannedRefresh plan)
    {
        while (_heap.TryPeek(out key!, out var at))
        {
            ref var live = ref CollectionsMarshal.GetValueRefOrNullRef(_pending, key);
            if (Unsafe.IsNullRef(ref live) || live.SlotAt != at)
            {
                _heap.Dequeue();
                continue;
            }

            if (live.FireAt > at)
            {
                _heap.Dequeue();
                live.SlotAt = live.FireAt;
                _heap.Enqueue(key, live.FireAt);
                continue;
            }

            plan = live;
            return true;
        }

        plan = default;
        return false;
    }

    // Under the gate: the earliest live entry if it is due, or how long until it is (infinite when there is none).
    private bool TryTakeDue(out DueRefresh due, out TimeSpan wait)
    {
        var now = time.GetUtcNow();
        if (!TryPeekLive(out var key, out var plan))
        {
            due = null!;
            wait = Timeout.InfiniteTimeSpan;
            return false;
        }

        if (plan.FireAt > now.UtcTicks && !(plan.MayStartBy(now.UtcTicks) && IsBehind(now)))
        {
            due = null!;
            wait = WaitFor(plan, now);
            return false;
        }

        // The refresh is made only when taken: waiting for a plan allocates nothing.
        due = plan.Due(key);
        _heap.Dequeue();
        _pending.Remove(key);
        _calendar.Remove(due.FireAt);
        wait = TimeSpan.Zero;
        return true;
    }

    // Under the gate: until the earliest entry's plan, or until it may start early because planned work would run late.
    private TimeSpan WaitFor(PlannedRefresh plan, DateTimeOffset now)
    {
        var until = UtcTicks.At(plan.FireAt);
        if (UtcTicks.AtOrNull(plan.EarliestAt) is { } earliest && earliest < until && capacity is not null)
        {
            var startBy = StartBy(now);
            var early = startBy > earliest ? startBy : earliest;
            until = early < until ? early : until;
        }

        var wait = until - now;
        if (wait <= TimeSpan.Zero)
        {
            wait = TimeSpan.FromMilliseconds(1);
        }

        // New plans and a newly measured rate move the start of a bulk: look again now and then.
        var most = capacity is null ? MaxWait : Recheck;
        return wait < most ? wait : most;
    }

    private bool IsBehind(DateTimeOffset now) => capacity is not null && StartBy(now) <= now;

    private DateTimeOffset StartBy(DateTimeOffset now)
    {
        if (capacity is not null && now - _startByAt >= StartByAge)
        {
            _startBy = _calendar.StartBy(now, capacity.PerSecond);
            _startByAt = now;
        }

        return _startBy;
    }

    private void CompactIfStale()
    {
        if (_heap.Count <= CompactAbove || _heap.Count <= 2 * _pending.Count)
        {
            return;
        }

        _heap.Clear();
        foreach (var (key, _) in _pending)
        {
            ref var plan = ref CollectionsMarshal.GetValueRefOrNullRef(_pending, key);
            plan.SlotAt = plan.FireAt;
            _heap.Enqueue(key, plan.FireAt);
        }
    }

    private TaskCompletionSource TakeSignal()
    {
        var signal = _changed;
        _changed = NewSignal();
        return signal;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// One planned refresh: the key, when, what it is planned against, how many attempts before it failed, and how early it
/// may run when planned work runs behind (null: not before <see cref="FireAt"/>).
/// </summary>
/// <remarks>
/// Made when the refresh is taken; while planned, the schedule holds it as a <see cref="PlannedRefresh"/>.
/// </remarks>
internal sealed record DueRefresh
{
    private readonly long _fireAt;
    private readonly long _plannedExpiry;
    private readonly long _earliestAt;

    public DueRefresh(string key, DateTimeOffset fireAt, DateTimeOffset? plannedExpiry, bool missed, int failures = 0, DateTimeOffset? earliestAt = null)
    {
        Key = key;
        _fireAt = fireAt.UtcTicks;
        _plannedExpiry = UtcTicks.Of(plannedExpiry);
        _earliestAt = UtcTicks.Of(earliestAt);
        Missed = missed;
        Failures = failures;
    }

    public string Key { get; }

    public DateTimeOffset FireAt => UtcTicks.At(_fireAt);

    public DateTimeOffset? PlannedExpiry => UtcTicks.AtOrNull(_plannedExpiry);

    public bool Missed { get; }

    public int Failures { get; }

    public DateTimeOffset? EarliestAt => UtcTicks.AtOrNull(_earliestAt);
}
