namespace CacheWarmer.StampedeLab.Reader;

/// <summary>
/// One read of a burst, as its reader saw it: the expiry burst, or burst <paramref name="Round"/> of the bursts and
/// warmup scenarios. <paramref name="Stale"/>: the cache answered with an expired value (FusionCache's fail-safe).
/// </summary>
internal sealed record BurstRead(double LatencyMs, bool Miss, bool TimedOut, bool Error, bool Correct, int Round = 0, bool Stale = false);

/// <summary>What one reader process reports back (JSON in the file the spec names).</summary>
internal sealed record ReaderResult
{
    public int Process { get; init; }

    /// <summary>Expiry: when this process's burst started, Unix ms.</summary>
    public long BurstUnixMs { get; init; }

    /// <summary>Expiry: when this process's last burst read completed, Unix ms.</summary>
    public long BurstEndUnixMs { get; init; }

    public List<BurstRead> Burst { get; init; } = [];

    /// <summary>Bursts and warmup: when each burst started and when its last read completed, Unix ms.</summary>
    public long[] RoundStartsUnixMs { get; init; } = [];

    public long[] RoundEndsUnixMs { get; init; } = [];

    /// <summary>Reads of the light steady load before the burst (expiry) or of the whole run (zipf).</summary>
    public long SteadyReads { get; init; }

    public long SteadyMisses { get; init; }

    /// <summary>Expiry: steady reads issued after the burst instant was published that missed (normally 0).</summary>
    public long LateSteadyMisses { get; init; }

    public long LateSteadyTimeouts { get; init; }

    /// <summary>Reads, anywhere in the run, whose value was not the product's row (must be 0).</summary>
    public long Wrong { get; init; }

    /// <summary>Reads that threw (pool exhausted, timeouts of the client).</summary>
    public long Errors { get; init; }

    /// <summary>Zipf: reads and reader-visible misses per second since the start.</summary>
    public long[] ReadsPerSecond { get; init; } = [];

    public long[] MissesPerSecond { get; init; } = [];

    public string? FirstError { get; init; }
}
