using System.Diagnostics;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Sources;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The outcome of one load: the value (null: no row), or the reason it failed; <paramref name="KeyFault"/> when the
/// database refused this key's parameters (a permanent error of the key, not of the source).
/// </summary>
internal readonly record struct LoadResult(bool Succeeded, byte[]? Value, TimeSpan Duration, string? Error, bool KeyFault = false);

/// <summary>
/// Runs one load under its lease: through the source's circuit breaker, bounded by LoadTimeout, extending the lease
/// at a third of its TTL while the query runs (<see cref="LeaseKeeper"/>), and feeding the measured time to XFetch's
/// estimate.
/// </summary>
internal sealed class KeyLoader(
    SourceQuery query,
    SourceCircuitBreakers breakers,
    LoadTimeEstimator estimator,
    IOptions<RefreshOptions> refreshOptions,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    ILogger<KeyLoader> logger)
{
    private readonly RefreshOptions _refresh = refreshOptions.Value;

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
        var keeper = new LeaseKeeper(lease, match.Key, _refresh.LeaseTtl, time, logger);
        var started = time.GetTimestamp();
        try
        {
            var value = await query.LoadAsync(match, timeout.Token).ConfigureAwait(false);
            var duration = time.GetElapsedTime(started);
            breaker.RecordSuccess();
            estimator.Record(loader.Name, duration);
            metrics.LoadDuration(loader.Name, duration);
            return Checked(value, duration, _refresh.MaxValueBytes, loader.Name, metrics);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !timeout.IsCancellationRequested && KeyFaults.Describe(ex) is { } fault)
        {
            // The database answered: the source is healthy, this key's parameters are not.
            breaker.RecordSuccess();
            return new LoadResult(false, null, time.GetElapsedTime(started), fault, KeyFault: true);
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
            await keeper.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A loaded value, or its refusal when it is over <c>Refresh:MaxValueBytes</c>.</summary>
    internal static LoadResult Checked(byte[]? value, TimeSpan duration, int maxValueBytes, string loader, CacheWarmerMetrics metrics)
    {
        if (value is not null && value.Length > maxValueBytes)
        {
            // Too big to write safely (one SET this size blocks Redis): refused like a failed load, so the old
            // value is kept and the key is retried with backoff, in case the row shrinks.
            metrics.ValueRefused(loader);
            return new LoadResult(false, null, duration, $"the value is {value.Length} bytes, over Refresh:MaxValueBytes ({maxValueBytes}); raise it or make the loader's query return less");
        }

        return new LoadResult(true, value, duration, null);
    }
}
