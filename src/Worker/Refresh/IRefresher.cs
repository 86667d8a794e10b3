using CacheWarmer.Worker.Loaders;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// What <see cref="RefreshDispatcher"/> needs of <see cref="Refresher"/>: one key's refresh and a batch's. The dispatcher
/// depends on this rather than the class, so its slots, order and shutdown are tested without Redis or a database.
/// </summary>
internal interface IRefresher
{
    /// <inheritdoc cref="Refresher.RefreshAsync(string, DateTimeOffset?, bool, int, LoaderMatch?)"/>
    Task<RefreshResult> RefreshAsync(string key, DateTimeOffset? plannedExpiry, bool missed = false, int failures = 0, LoaderMatch? match = null);

    /// <inheritdoc cref="Refresher.RefreshBatchAsync(IReadOnlyList{DueRefresh})"/>
    Task<RefreshResult>[] RefreshBatchAsync(IReadOnlyList<DueRefresh> due);
}
