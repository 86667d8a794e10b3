using Microsoft.Extensions.Options;

namespace CacheWarmer.HotKeyTracker.Hotness;

/// <summary>
/// The replica's view of which keys are read most: a <see cref="DecayedSpaceSaving"/> sketch fed by access samples and
/// by apps' writes, safe to query from any thread while the ingestion writes to it.
/// </summary>
public sealed class HotKeyModel
{
    private readonly Lock _lock = new();
    private readonly DecayedSpaceSaving _sketch;
    private readonly TimeProvider _time;
    private long _samples;
    private long _writes;

    /// <summary>Creates an empty model.</summary>
    public HotKeyModel(IOptions<HotKeyOptions> options, TimeProvider time)
    {
        _time = time;
        _sketch = new DecayedSpaceSaving(options.Value.ModelCapacity, options.Value.HalfLife, time.GetUtcNow());
    }

    /// <summary>The most keys tracked.</summary>
    public int Capacity => _sketch.Capacity;

    /// <summary>Access samples (key and count pairs) counted since start.</summary>
    public long SamplesCounted => Interlocked.Read(ref _samples);

    /// <summary>App writes counted since start.</summary>
    public long WritesCounted => Interlocked.Read(ref _writes);

    /// <summary>Counts the reads one sample entry reports, observed at <paramref name="at"/>.</summary>
    public void AddSamples(IReadOnlyList<Contracts.Sampling.AccessSample> samples, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(samples);
        lock (_lock)
        {
            foreach (var sample in samples)
            {
                _sketch.Add(sample.Key, sample.Count, at);
            }
        }

        Interlocked.Add(ref _samples, samples.Count);
    }

    /// <summary>Counts <paramref name="reads"/> reads of <paramref name="key"/> that Redis's own counters stand for.</summary>
    public void AddReads(string key, double reads, DateTimeOffset at)
    {
        if (!(reads > 0) || double.IsInfinity(reads))
        {
            return;
        }

        lock (_lock)
        {
            _sketch.Add(key, reads, at);
        }
    }

    /// <summary>Counts one write of <paramref name="key"/> by an app as <paramref name="weight"/> reads.</summary>
    public void AddWrite(string key, double weight)
    {
        if (!(weight > 0))
        {
            return;
        }

        lock (_lock)
        {
            _sketch.Add(key, weight, _time.GetUtcNow());
        }

        Interlocked.Increment(ref _writes);
    }

    /// <summary>The estimate of <paramref name="key"/> now; a key the model does not track reads zero.</summary>
    public HotKeyEstimate Estimate(string key)
    {
        lock (_lock)
        {
            return _sketch.TryGet(key, _time.GetUtcNow(), out var estimate) ? estimate : new HotKeyEstimate(key, 0, 0);
        }
    }

    /// <summary>Every key read at least <paramref name="minRatePerMinute"/> times a minute, in no particular order.</summary>
    public IReadOnlyList<HotKeyEstimate> Above(double minRatePerMinute)
    {
        lock (_lock)
        {
            return _sketch.Above(minRatePerMinute, _time.GetUtcNow());
        }
    }

    /// <summary>As <see cref="Above(double)"/>, into <paramref name="into"/> (cleared first), so a caller that asks often reuses one list.</summary>
    public void Above(double minRatePerMinute, List<HotKeyEstimate> into)
    {
        lock (_lock)
        {
            _sketch.Above(minRatePerMinute, _time.GetUtcNow(), into);
        }
    }

    /// <summary>The <paramref name="count"/> keys read most, highest rate first.</summary>
    public IReadOnlyList<HotKeyEstimate> Top(int count)
    {
        lock (_lock)
        {
            return _sketch.Top(count, _time.GetUtcNow());
        }
    }
}
