namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The next refresh of every managed key, in memory: one entry per key in a min-heap by fire time. Scheduling a key
/// again replaces its entry; <see cref="RefreshDispatcher"/> takes the due entries in fire-time order.
/// </summary>
/// <remarks>
/// This replaced one Quartz trigger per key: with 100,000 keys Quartz's in-memory store fired 3,300 refreshes a second
/// at most here, seconds late (docs/decisions.md has the figures). A replaced entry stays in the heap until it comes
/// up, and is then skipped; the heap is rebuilt when such stale entries outnumber the live ones.
/// </remarks>
internal sealed class RefreshScheduler(TimeProvider time)
{
    private const int CompactAbove = 1024;

    // Timers take at most about 49 days; a key planned further out is looked at again within this.
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();
    private readonly PriorityQueue<DueRefresh, DateTimeOffset> _heap = new();
    private readonly Dictionary<string, DueRefresh> _pending = new(StringComparer.Ordinal);
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
    public ValueTask ScheduleAsync(string key, DateTimeOffset fireAt, DateTimeOffset? plannedExpiry, bool missed, CancellationToken cancellationToken, int failures = 0)
    {
        var entry = new DueRefresh(key, fireAt, plannedExpiry, missed, failures);
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            _pending[key] = entry;
            if (!_heap.TryPeek(out _, out var earliest) || fireAt < earliest)
            {
                wake = TakeSignal();
            }

            _heap.Enqueue(entry, fireAt);
            CompactIfStale();
        }

        wake?.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask UnscheduleAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _pending.Remove(key);
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
        List<DueRefresh>? others = null;
        lock (_gate)
        {
            var until = time.GetUtcNow() + window;
            // Entries of other loaders are looked at (and put back) up to a bound, so one batch never walks the schedule.
            var looked = 0;
            while (taken.Count < max && looked < 4 * max && _heap.TryPeek(out var entry, out var fireAt) && fireAt <= until)
            {
                _heap.Dequeue();
                if (!_pending.TryGetValue(entry.Key, out var live) || !ReferenceEquals(live, entry))
                {
                    continue;
                }

                looked++;
                if (fits(entry))
                {
                    _pending.Remove(entry.Key);
                    taken.Add(entry);
                }
                else
                {
                    (others ??= []).Add(entry);
                }
            }

            foreach (var other in others ?? [])
            {
                _heap.Enqueue(other, other.FireAt);
            }
        }

        return taken;
    }

    // Under the gate: the earliest live entry if it is due, or how long until it is (infinite when there is none).
    private bool TryTakeDue(out DueRefresh due, out TimeSpan wait)
    {
        var now = time.GetUtcNow();
        while (_heap.TryPeek(out due!, out var fireAt))
        {
            if (!_pending.TryGetValue(due.Key, out var live) || !ReferenceEquals(live, due))
            {
                _heap.Dequeue();
                continue;
            }

            if (fireAt > now)
            {
                wait = fireAt - now < MaxWait ? fireAt - now : MaxWait;
                return false;
            }

            _heap.Dequeue();
            _pending.Remove(due.Key);
            wait = TimeSpan.Zero;
            return true;
        }

        wait = Timeout.InfiniteTimeSpan;
        return false;
    }

    private void CompactIfStale()
    {
        if (_heap.Count <= CompactAbove || _heap.Count <= 2 * _pending.Count)
        {
            return;
        }

        _heap.Clear();
        foreach (var entry in _pending.Values)
        {
            _heap.Enqueue(entry, entry.FireAt);
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

/// <summary>One planned refresh: the key, when, what it is planned against, and how many attempts before it failed.</summary>
internal sealed record DueRefresh(string Key, DateTimeOffset FireAt, DateTimeOffset? PlannedExpiry, bool Missed, int Failures = 0);
