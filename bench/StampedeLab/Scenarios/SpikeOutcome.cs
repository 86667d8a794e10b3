namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>
/// What one strategy did in the bursts or warmup scenario, over the bursts that count: every burst after the cold
/// one (bursts), or the spike (warmup).
/// </summary>
internal sealed record SpikeOutcome
{
    public required string Strategy { get; init; }

    public required int Processes { get; init; }

    /// <summary>Burst reads that count, and their latencies in ms, sorted.</summary>
    public required int Requests { get; init; }

    public required double[] Latencies { get; init; }

    /// <summary>
    /// Readers' backend queries that ended from a burst's start to the next one's (nothing is read in between), per
    /// burst that counts: the database loads the readers paid for at the burst, background completions included.
    /// </summary>
    public required int[] ReaderQueriesPerBurst { get; init; }

    /// <summary>
    /// The worker's queries that ended after the previous burst started (warmup: after the readers started) and
    /// before a burst that counts: its refreshes and warms ahead of the bursts.
    /// </summary>
    public required int QueriesAhead { get; init; }

    public required int QueriesByWorker { get; init; }

    /// <summary>Burst reads that did not get a fresh value from the cache: they loaded, waited for a load, or got a stale value.</summary>
    public required int Misses { get; init; }

    /// <summary>Burst reads that got an expired value (FusionCache's fail-safe after its soft timeout).</summary>
    public required int Stale { get; init; }

    public required int Errors { get; init; }

    public required long Wrong { get; init; }

    /// <summary>Warmup: when the worker's last load ended, ms relative to the spike (negative = before it); null without one.</summary>
    public long? LastWorkerLoadMs { get; init; }

    /// <summary>Per counted burst, the queries around it: ms relative to its start and who ran them.</summary>
    public IReadOnlyList<string> Timeline { get; init; } = [];

    public string? FirstError { get; init; }

    public int ReaderQueries => ReaderQueriesPerBurst.Sum();
}
