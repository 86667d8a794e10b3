using CacheWarmer.Worker.Loaders;

namespace CacheWarmer.Worker.Refresh;

/// <summary>Batched refreshes: due keys of a loader with a batch query, loaded by one query.</summary>
internal sealed partial class Refresher
{
    /// <summary>
    /// Refreshes <paramref name="due"/> together: each key goes through every step of <see cref="RefreshAsync(string, DateTimeOffset?, bool, int, LoaderMatch?)"/>
    /// (its leases are all asked for before any reply is awaited, so they share a round trip), and the keys that come to
    /// their load are loaded by one batch query per loader, at most <c>Refresh:MaxBatchSize</c> keys a query. Returns
    /// each key's refresh, in order.
    /// </summary>
    public Task<RefreshResult>[] RefreshBatchAsync(IReadOnlyList<DueRefresh> due)
    {
        var batch = new LoadBatch(_batchLoader, due.Count, _refresh.MaxBatchSize);
        var refreshes = new Task<RefreshResult>[due.Count];
        for (var i = 0; i < due.Count; i++)
        {
            refreshes[i] = RefreshAsync(due[i].Key, due[i].PlannedExpiry, due[i].Missed, due[i].Failures, batch.Take());
        }

        return refreshes;
    }
}
