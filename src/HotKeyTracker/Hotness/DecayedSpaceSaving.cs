namespace CacheWarmer.HotKeyTracker.Hotness;

/// <summary>
/// Space-Saving with forward exponential decay. Not thread-safe. (A first, simple version: eviction scans for the
/// minimum.)
/// </summary>
public sealed class DecayedSpaceSaving
{
    private readonly Dictionary<string, (double Count, double Error)> _counters = new(StringComparer.Ordinal);
    private readonly double _lambda;
    private readonly DateTimeOffset _landmark;

    /// <summary>Creates an empty sketch.</summary>
    public DecayedSpaceSaving(int capacity, TimeSpan halfLife, DateTimeOffset origin)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(halfLife, TimeSpan.Zero);
        Capacity = capacity;
        HalfLife = halfLife;
        _landmark = origin;
        _lambda = Math.Log(2) / halfLife.TotalSeconds;
    }

    /// <summary>The most keys tracked.</summary>
    public int Capacity { get; }

    /// <summary>The time in which a rate halves without new reads.</summary>
    public TimeSpan HalfLife { get; }

    /// <summary>Keys currently tracked.</summary>
    public int Count => _counters.Count;

    /// <summary>Adds <paramref name="count"/> reads of <paramref name="key"/> observed at <paramref name="at"/>.</summary>
    public void Add(string key, double count, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!(count > 0) || double.IsInfinity(count))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A count must be positive and finite.");
        }

        var weight = count * Math.Pow(2, (at - _landmark).TotalSeconds / HalfLife.TotalSeconds);
        if (_counters.TryGetValue(key, out var counter))
        {
            _counters[key] = (counter.Count + weight, counter.Error);
            return;
        }

        if (_counters.Count < Capacity)
        {
            _counters[key] = (weight, 0);
            return;
        }

        var min = _counters.MinBy(c => c.Value.Count);
        _counters.Remove(min.Key);
        _counters[key] = (min.Value.Count + weight, min.Value.Count);
    }

    /// <summary>The estimated reads per minute of <paramref name="key"/>; 0 when it is not tracked.</summary>
    public double RatePerMinute(string key, DateTimeOffset now) => TryGet(key, now, out var estimate) ? estimate.RatePerMinute : 0;

    /// <summary>The estimate of <paramref name="key"/>, when tracked.</summary>
    public bool TryGet(string key, DateTimeOffset now, out HotKeyEstimate estimate)
    {
        if (_counters.TryGetValue(key, out var counter))
        {
            estimate = Estimate(key, counter, now);
            return true;
        }

        estimate = default;
        return false;
    }

    /// <summary>The <paramref name="k"/> keys with the highest rates, highest first.</summary>
    public IReadOnlyList<HotKeyEstimate> Top(int k, DateTimeOffset now) =>
        [.. _counters.OrderByDescending(c => c.Value.Count).Take(k).Select(c => Estimate(c.Key, c.Value, now))];

    /// <summary>Forgets <paramref name="key"/>.</summary>
    public void Remove(string key) => _counters.Remove(key);

    private HotKeyEstimate Estimate(string key, (double Count, double Error) counter, DateTimeOffset now)
    {
        var scale = Math.Pow(2, -(now - _landmark).TotalSeconds / HalfLife.TotalSeconds) * _lambda * 60;
        return new HotKeyEstimate(key, counter.Count * scale, counter.Error * scale);
    }
}

/// <summary>A key's estimated read rate.</summary>
/// <param name="Key">The key.</param>
/// <param name="RatePerMinute">Estimated reads per minute (an upper estimate: Space-Saving over-counts).</param>
/// <param name="ErrorPerMinute">The most the estimate can over-count by (Space-Saving's per-key error).</param>
public readonly record struct HotKeyEstimate(string Key, double RatePerMinute, double ErrorPerMinute);
