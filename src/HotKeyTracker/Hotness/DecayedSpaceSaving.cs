namespace CacheWarmer.HotKeyTracker.Hotness;

/// <summary>
/// Space-Saving (Metwally, Agrawal, El Abbadi 2005) with forward exponential decay (Cormode, Shkapenyuk, Srivastava,
/// Xu 2009): the keys read most per minute, recently, in memory bounded by <see cref="Capacity"/>. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Every read counts with a weight that halves every <see cref="HalfLife"/>: the decayed sum of a key at time t is
/// S(t) = Σ countᵢ · 2^(−(t − tᵢ)/HalfLife). A key read steadily r times a second has S converging to r/λ with
/// λ = ln 2 / HalfLife, so the rate reported is S · λ, in reads per minute. A key sampled steadily at r reads a
/// minute therefore reads r a minute after a few half-lives (1 − 2^−n of r after n half-lives: 97 % after 5), give or
/// take 0.35 · Δ/HalfLife of r when its samples arrive every Δ; when its reads stop, its rate halves every HalfLife.
/// </para>
/// <para>
/// Decay is forward: an update at time t adds count · 2^((t − landmark)/HalfLife), and a query divides by the same
/// factor at its own time. Every counter decays by the same factor, so their order never changes and no update has
/// to touch any other key. When the weights grow past 2^30 the counters are scaled down and the landmark moved,
/// which costs one pass over the table every 30 half-lives.
/// </para>
/// <para>
/// Space-Saving keeps <see cref="Capacity"/> counters. A key not tracked when the table is full takes over the
/// smallest counter m: its counter becomes m + weight and its error m. So a key's estimate never under-counts and
/// over-counts by at most its error, and the error is at most the total decayed weight / Capacity: every key whose
/// decayed sum exceeds that is tracked.
/// </para>
/// </remarks>
public sealed partial class DecayedSpaceSaving
{
    private readonly long _halfLifeTicks;
    private readonly double _lambdaPerMinute;
    private long _landmarkTicks;
    private long _weightTicks = long.MinValue;
    private double _weight;

    /// <summary>Creates an empty sketch.</summary>
    /// <param name="capacity">The most keys tracked at once, at most 2^28; memory is proportional to it.</param>
    /// <param name="halfLife">How long a read takes to count half as much.</param>
    /// <param name="origin">
    /// A time near the first update (the first landmark); updates long before it weigh less than they should once
    /// their weight underflows (about 1,000 half-lives before).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="capacity"/> is less than 1 or more than 2^28, or <paramref name="halfLife"/> is not positive.
    /// </exception>
    public DecayedSpaceSaving(int capacity, TimeSpan halfLife, DateTimeOffset origin)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(halfLife, TimeSpan.Zero);
        Capacity = capacity;
        HalfLife = halfLife;
        _halfLifeTicks = halfLife.Ticks;
        _lambdaPerMinute = Math.Log(2) / halfLife.TotalMinutes;
        _landmarkTicks = origin.UtcTicks;
        Allocate(Math.Min(capacity, InitialSize));
    }

    /// <summary>The most keys tracked at once.</summary>
    public int Capacity { get; }

    /// <summary>How long a read takes to count half as much.</summary>
    public TimeSpan HalfLife { get; }

    /// <summary>The keys currently tracked; never more than <see cref="Capacity"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Counts <paramref name="count"/> reads of <paramref name="key"/> observed at <paramref name="at"/>.</summary>
    /// <remarks>
    /// Times need not be in order: an update older than others simply weighs less. When the table is full and the
    /// key is not tracked, it replaces the key with the smallest counter and inherits that counter as its error.
    /// </remarks>
    /// <param name="key">The key read.</param>
    /// <param name="count">How many reads; positive and finite, at most 2^53.</param>
    /// <param name="at">When the reads happened.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive, NaN or too large.</exception>
    public void Add(string key, double count, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!(count is > 0 and <= MaxCount))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A count of reads must be positive and at most 2^53.");
        }

        var weight = count * Weight(at.UtcTicks);
        if (weight == 0)
        {
            // Underflowed: reads so old they no longer count must not evict a key that does.
            return;
        }

        var hash = key.GetHashCode();
        var cell = Find(key, hash);
        if (cell >= 0)
        {
            var position = _cells[cell].Position;
            _counters[position] += weight;

            // Only a key with children can have to sink: three nodes in four are leaves, and hot keys sink to them.
            if ((position << 2) + 1 < Count)
            {
                SiftDown(position);
            }
        }
        else if (Count < Capacity)
        {
            Insert(key, hash, ~cell, weight);
        }
        else
        {
            ReplaceMinimum(key, hash, weight);
        }
    }

    /// <summary>
    /// The estimated reads per minute of <paramref name="key"/> at <paramref name="now"/>; 0 when it is not tracked.
    /// </summary>
    public double RatePerMinute(string key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        var cell = Find(key, key.GetHashCode());
        return cell >= 0 ? PerMinute(_counters[_cells[cell].Position], RateScale(now)) : 0;
    }

    /// <summary>The estimate of <paramref name="key"/> at <paramref name="now"/>; false when it is not tracked.</summary>
    public bool TryGet(string key, DateTimeOffset now, out HotKeyEstimate estimate)
    {
        ArgumentNullException.ThrowIfNull(key);
        var cell = Find(key, key.GetHashCode());
        if (cell < 0)
        {
            estimate = default;
            return false;
        }

        estimate = Estimate(cell, RateScale(now));
        return true;
    }

    /// <summary>
    /// The <paramref name="k"/> tracked keys with the highest estimated rate at <paramref name="now"/>, highest first
    /// (ties in key order); fewer when fewer are tracked.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is negative.</exception>
    public IReadOnlyList<HotKeyEstimate> Top(int k, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        k = Math.Min(k, Count);
        if (k == 0)
        {
            return [];
        }

        // The k largest counters through a k-sized min-queue; decay is uniform, so counters order as rates do.
        var best = new PriorityQueue<int, (double Counter, string Key)>(k, TopOrder.Instance);
        for (var position = 0; position < Count; position++)
        {
            var cell = _cellAt[position];
            var entry = (_counters[position], _cells[cell].Key!);
            if (best.Count < k)
            {
                best.Enqueue(cell, entry);
            }
            else if (best.TryPeek(out _, out var smallest) && TopOrder.Instance.Compare(entry, smallest) > 0)
            {
                best.DequeueEnqueue(cell, entry);
            }
        }

        var scale = RateScale(now);
        var top = new HotKeyEstimate[best.Count];
        for (var i = top.Length - 1; i >= 0; i--)
        {
            top[i] = Estimate(best.Dequeue(), scale);
        }

        return top;
    }

    /// <summary>
    /// Every tracked key whose rate is at least <paramref name="minRatePerMinute"/>, in no particular order: one pass
    /// over the counters and no sort, for callers that look at every key above a threshold often (Top sorts).
    /// </summary>
    public IReadOnlyList<HotKeyEstimate> Above(double minRatePerMinute, DateTimeOffset now)
    {
        var above = new List<HotKeyEstimate>();
        Above(minRatePerMinute, now, above);
        return above;
    }

    /// <summary>
    /// As <see cref="Above(double, DateTimeOffset)"/>, into <paramref name="into"/> (cleared first): a caller that asks
    /// every second reuses one list instead of allocating one the size of the sketch.
    /// </summary>
    public void Above(double minRatePerMinute, DateTimeOffset now, List<HotKeyEstimate> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        var scale = RateScale(now);
        for (var position = 0; position < Count; position++)
        {
            if (PerMinute(_counters[position], scale) >= minRatePerMinute)
            {
                into.Add(Estimate(_cellAt[position], scale));
            }
        }
    }

    /// <summary>Forgets <paramref name="key"/>, freeing its counter; nothing happens when it is not tracked.</summary>
    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var cell = Find(key, key.GetHashCode());
        if (cell < 0)
        {
            return;
        }

        // The heap's last node fills the hole, then goes up or down to its place.
        var position = _cells[cell].Position;
        var last = --Count;
        if (position < last)
        {
            var moved = _cellAt[last];
            Place(_counters[last], moved, position);
            SiftUp(position);
            SiftDown(_cells[moved].Position);
        }

        Vacate(cell);
    }

    private HotKeyEstimate Estimate(int cell, double scale) =>
        new(_cells[cell].Key!, PerMinute(_counters[_cells[cell].Position], scale), PerMinute(_errors[cell], scale));

    /// <summary>Smaller counters first, and among equal counters the later key, so the queue drops them first.</summary>
    private sealed class TopOrder : IComparer<(double Counter, string Key)>
    {
        public static readonly TopOrder Instance = new();

        public int Compare((double Counter, string Key) x, (double Counter, string Key) y)
        {
            var byCounter = x.Counter.CompareTo(y.Counter);
            return byCounter != 0 ? byCounter : string.CompareOrdinal(y.Key, x.Key);
        }
    }
}
