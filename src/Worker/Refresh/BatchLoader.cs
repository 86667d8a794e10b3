using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Sources;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Runs one loader's batch query for many keys under their leases, with the guarantees of <see cref="KeyLoader"/>:
/// one pass through the source's circuit breaker (a failed batch is one failure), bounded by LoadTimeout, every lease
/// extended while the query runs, the measured time fed to XFetch's estimate, and Refresh:MaxValueBytes per value.
/// </summary>
internal sealed class BatchLoader(
    SourceBatchQuery query,
    SourceCircuitBreakers breakers,
    LoadTimeEstimator estimator,
    IOptions<RefreshOptions> refreshOptions,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    ILogger<BatchLoader> logger)
{
    private readonly RefreshOptions _refresh = refreshOptions.Value;

    /// <summary>
    /// Each key's load, in the order of <paramref name="keys"/>; null when the database refused a key's parameters
    /// (a key's own error): then each key loads on its own, so one bad key does not fail its neighbours.
    /// </summary>
    public async Task<LoadResult[]?> LoadAsync(Loader loader, IReadOnlyList<(LoaderMatch Match, RefreshLease Lease)> keys)
    {
        var breaker = breakers.For(loader.Source);
        if (!breaker.TryEnter())
        {
            return Failed(keys.Count, TimeSpan.Zero, $"the circuit breaker of source '{loader.Source}' is open");
        }

        using var timeout = new CancellationTokenSource(_refresh.LoadTimeout, time);
        var keeper = new LeaseKeeper([.. keys.Select(k => (k.Lease, k.Match.Key))], _refresh.LeaseTtl, time, logger);
        var started = time.GetTimestamp();
        try
        {
            var values = await query.LoadAsync(loader, [.. keys.Select(k => k.Match)], timeout.Token).ConfigureAwait(false);
            var duration = time.GetElapsedTime(started);
            breaker.RecordSuccess();
            // XFetch's delta is how long a refresh waits for its value: the batch's time, once per batch.
            estimator.Record(loader.Name, duration);
            metrics.BatchSize(loader.Name, keys.Count);
            var results = new LoadResult[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                metrics.LoadDuration(loader.Name, duration);
                results[i] = KeyLoader.Checked(values[i], duration, _refresh.MaxValueBytes, loader.Name, metrics);
            }

            return results;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !timeout.IsCancellationRequested && KeyFaults.Describe(ex) is { } fault)
        {
            // The database answered: the source is healthy, and some key of the batch is not.
            breaker.RecordSuccess();
            Log.BatchKeyFault(logger, loader.Name, keys.Count, fault);
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            breaker.RecordFailure();
            var reason = timeout.IsCancellationRequested
                ? $"the batch load of {keys.Count} keys took longer than Refresh:LoadTimeout ({_refresh.LoadTimeout})"
                : $"the batch load of {keys.Count} keys failed: {ex.GetType().Name}: {ex.Message}";
            return Failed(keys.Count, time.GetElapsedTime(started), reason);
        }
        finally
        {
            await keeper.StopAsync().ConfigureAwait(false);
        }
    }

    private static LoadResult[] Failed(int count, TimeSpan duration, string reason) =>
        Enumerable.Repeat(new LoadResult(false, null, duration, reason), count).ToArray();
}
