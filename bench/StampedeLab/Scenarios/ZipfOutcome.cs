namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>What one strategy did in the zipf scenario.</summary>
internal sealed record ZipfOutcome
{
    public required string Strategy { get; init; }

    public required long Reads { get; init; }

    public required long Misses { get; init; }

    public required long Wrong { get; init; }

    public required long Errors { get; init; }

    public required int Queries { get; init; }

    public required int QueriesByWorker { get; init; }

    /// <summary>Backend queries in each second of the run (all of the strategy's connections).</summary>
    public required int[] QueriesPerSecond { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Reads and misses from the end of the first TTL on: every key read at the start could have expired.</summary>
    public required long ReadsAfterFirstTtl { get; init; }

    public required long MissesAfterFirstTtl { get; init; }

    public double HitRatioAfterFirstTtl => ReadsAfterFirstTtl == 0 ? double.NaN : 1 - ((double)MissesAfterFirstTtl / ReadsAfterFirstTtl);

    public string? FirstError { get; init; }

    public double HitRatio => Reads == 0 ? double.NaN : 1 - ((double)Misses / Reads);
}
