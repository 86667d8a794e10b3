using System.Diagnostics;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Sources;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Refresh;

/// <summary>The outcome of one load: the value (null: no row), or the reason it failed.</summary>
internal readonly record struct LoadResult(bool Succeeded, byte[]? Value, TimeSpan Duration, string? Error);

/// <summary>
/// Runs one load under its lease: through the source's circuit breaker, bounded by LoadTimeout, extending the lease
/// at a third of its TTL while the query runs, and feeding the measured time to XFetch's estimate.
/// </summary>
internal sealed partial class KeyLoader(
    SourceQuery query,
    SourceCircuitBreakers breakers,
    LoadTimeEstimator estimator,
    IOptions<CacheWarmerOptions> options,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    ILogger<KeyLoader> logger)
{
    private readonly RefreshOptions _refresh = options.Value.Refresh;

    public async Task<LoadResult> LoadAsync(LoaderMatch match, RefreshLease lease)
    {
        var loader = match.Loader;
        var breaker = breakers.For(loader.Source);
        if (!breaker.TryEnter())
        {
            return new LoadResult(false, null, TimeSpan.Zero, $"the circuit breaker of source '{loader.Source}' is open");
        }

        // Shutdown does not cancel a load: it is bounded by LoadTimeout, so draining waits for it to land.
        using var timeout = new CancellationTokenSource(_refresh.LoadTimeout, time);
        using var stopExtending = new CancellationTokenSource();
        var extending = ExtendWhileLoadingAsync(match.Key, lease, stopExtending.Token);
        var started = time.GetTimestamp();
        try
        {
            var value = await query.LoadAsync(match, timeout.Token).ConfigureAwait(false);
            var duration = time.GetElapsedTime(started);
            breaker.RecordSuccess();
            estimator.Record(loader.Name, duration);
            metrics.LoadDuration(loader.Name, duration);
            return new LoadResult(true, value, duration, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            breaker.RecordFailure();
            var reason = timeout.IsCancellationRequested
                ? $"the load took longer than Refresh:LoadTimeout ({_refresh.LoadTimeout})"
                : $"{ex.GetType().Name}: {ex.Message}";
            return new LoadResult(false, null, time.GetElapsedTime(started), reason);
        }
        finally
        {
            await stopExtending.CancelAsync().ConfigureAwait(false);
            await extending.ConfigureAwait(false);
        }
    }

    private async Task ExtendWhileLoadingAsync(string key, RefreshLease lease, CancellationToken stop)
    {
        var period = _refresh.LeaseTtl / 3;
        try
        {
            while (true)
            {
                // Nearly every load ends before the first extension is due, so this wait is nearly always cancelled:
                // that is its normal end, and it ends without an exception (one thrown per load cost more than the
                // rest of the loop; see docs/benchmarks.md, ThroughputBench).
                await Task.Delay(period, time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                if (!await lease.ExtendAsync(_refresh.LeaseTtl).ConfigureAwait(false))
                {
                    // Lost: the fenced write will refuse to write, so the new holder's value stands.
                    Log.LeaseLost(logger, key);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ReleaseFailed(logger, key, ex);
        }
    }
}
