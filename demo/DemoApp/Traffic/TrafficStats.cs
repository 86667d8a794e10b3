namespace CacheWarmer.DemoApp.Traffic;

/// <summary>
/// What the readers saw, per key and in total. A key is warm once it has been in Redis under our eyes (a hit, or our
/// own write after a miss); a miss on a warm key means it expired under the readers: the miss the worker prevents.
/// </summary>
internal sealed class TrafficStats(int keys)
{
    private readonly int[] _warm = new int[keys + 1];
    private readonly int[] _expired = new int[keys + 1];
    private long _reads;
    private long _hits;
    private long _coldMisses;
    private long _missesAfterWarmup;
    private long _databaseLoads;
    private long _checks;
    private long _mismatches;
    private long _errors;

    public bool IsWarm(int id) => Volatile.Read(ref _warm[id]) == 1;

    public void MarkWarm(int id) => Volatile.Write(ref _warm[id], 1);

    /// <summary>Counts a hit and returns the running number of hits, which picks the hits to verify.</summary>
    public long RecordHit(int id)
    {
        Interlocked.Increment(ref _reads);
        MarkWarm(id);
        return Interlocked.Increment(ref _hits);
    }

    /// <summary>
    /// Counts a miss. <paramref name="wasWarm"/> must be read before the GET was sent: a key our own write warmed
    /// while the GET was in flight was still cold when Redis answered it.
    /// </summary>
    /// <returns>The running number of misses after warm-up, or 0 for a cold miss.</returns>
    public long RecordMiss(int id, bool wasWarm)
    {
        Interlocked.Increment(ref _reads);
        if (!wasWarm)
        {
            Interlocked.Increment(ref _coldMisses);
            return 0;
        }

        Volatile.Write(ref _expired[id], 1);
        return Interlocked.Increment(ref _missesAfterWarmup);
    }

    public void RecordDatabaseLoad() => Interlocked.Increment(ref _databaseLoads);

    public void RecordCheck(bool matched)
    {
        Interlocked.Increment(ref _checks);
        if (!matched)
        {
            Interlocked.Increment(ref _mismatches);
        }
    }

    public void RecordError() => Interlocked.Increment(ref _errors);

    public TrafficSnapshot Snapshot(TimeSpan elapsed) => new(
        elapsed,
        Interlocked.Read(ref _reads),
        Interlocked.Read(ref _hits),
        Interlocked.Read(ref _coldMisses),
        Interlocked.Read(ref _missesAfterWarmup),
        _warm.Count(flag => flag == 1),
        _expired.Count(flag => flag == 1),
        Interlocked.Read(ref _databaseLoads),
        Interlocked.Read(ref _checks),
        Interlocked.Read(ref _mismatches),
        Interlocked.Read(ref _errors));
}

/// <summary>The counters of <see cref="TrafficStats"/> at one moment.</summary>
internal sealed record TrafficSnapshot(
    TimeSpan Elapsed,
    long Reads,
    long Hits,
    long ColdMisses,
    long MissesAfterWarmup,
    int KeysWarmed,
    int KeysExpired,
    long DatabaseLoads,
    long Checks,
    long Mismatches,
    long Errors);
