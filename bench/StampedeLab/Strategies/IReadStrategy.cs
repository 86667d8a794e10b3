namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>How the app reads product <c>id</c> through its cache. One instance per reader process.</summary>
internal interface IReadStrategy : IAsyncDisposable
{
    Task<ReadOutcome> ReadAsync(int id, CancellationToken cancellationToken);
}

/// <summary>
/// A read's result: the value (the row JSON), whether the reader did not find it in the cache (it loaded it or waited
/// for a load), whether it ran out of lock retries, and whether it got an expired value (fail-safe answered).
/// </summary>
internal readonly record struct ReadOutcome(string? Value, bool Miss, bool TimedOut = false, bool Stale = false);
