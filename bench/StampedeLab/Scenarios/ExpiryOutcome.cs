namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>What one strategy did in the expiry scenario.</summary>
internal sealed record ExpiryOutcome
{
    public required string Strategy { get; init; }

    public required int Requests { get; init; }

    public required int Processes { get; init; }

    /// <summary>Backend queries from the end of the warm-up (the key's expiry known) to the last burst read's end.</summary>
    public required int Queries { get; init; }

    public required int QueriesByWorker { get; init; }

    /// <summary>
    /// Readers' backend queries that ended during the burst (first burst read's start to the last one's end). Every
    /// query a burst reader runs is in it; a warm-up query is not, nor a refresh ahead of the expiry.
    /// </summary>
    public required int ReaderQueriesInBurst { get; init; }

    /// <summary>Backend queries of the whole run, warm-up (cold cache) included.</summary>
    public required int QueriesTotal { get; init; }

    /// <summary>Burst latencies in ms, sorted.</summary>
    public required double[] Latencies { get; init; }

    public required int Misses { get; init; }

    public required int Timeouts { get; init; }

    public required int Errors { get; init; }

    /// <summary>Reads (burst and steady) whose value was not the product's row.</summary>
    public required long Wrong { get; init; }

    public required long SteadyReads { get; init; }

    /// <summary>Steady reads after the burst instant was published that missed or timed out (normally 0).</summary>
    public required long LateSteadyMisses { get; init; }

    public required long LateSteadyTimeouts { get; init; }

    /// <summary>How far apart the processes' bursts started (ms): the burst's own spread.</summary>
    public required long BurstSpreadMs { get; init; }

    /// <summary>How late after the expiry instant the first process started its burst (ms).</summary>
    public required long BurstLateMs { get; init; }

    public string? FirstError { get; init; }

    /// <summary>The end of the warm-up, ms relative to the expiry instant (negative).</summary>
    public long WarmupEndMs { get; init; }

    /// <summary>Every backend query of the run: ms relative to the expiry instant, and who ran it.</summary>
    public IReadOnlyList<(long AtMs, string Who)> Timeline { get; init; } = [];

    public int QueriesByReaders => Queries - QueriesByWorker;

    /// <summary>1 - queries / requests: the share of the burst that did not cost a query of its own.</summary>
    public double Coalescing => 1 - ((double)Queries / Requests);
}
