using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Keys;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Runs each planned refresh when it comes due, at most <c>Refresh:MaxConcurrency</c> at once, and hands the result
/// back to <see cref="ManagedKeys"/> for the next cycle. When every slot is busy, due refreshes wait in fire-time order
/// (the wait is recorded as fire lag). At shutdown it stops taking refreshes and lets the running ones finish.
/// </summary>
internal sealed class RefreshDispatcher(
    RefreshScheduler scheduler,
    Refresher refresher,
    ManagedKeys managedKeys,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    IOptions<CacheWarmerOptions> options,
    ILogger<RefreshDispatcher> logger) : BackgroundService
{
    private readonly RefreshOptions _refresh = options.Value.Refresh;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = Math.Clamp(_refresh.MaxConcurrency, 1, 1024);
        using var free = new SemaphoreSlim(slots, slots);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await free.WaitAsync(stoppingToken).ConfigureAwait(false);
                DueRefresh due;
                try
                {
                    due = await scheduler.NextAsync(stoppingToken).ConfigureAwait(false);
                }
                catch
                {
                    free.Release();
                    throw;
                }

                metrics.FireLag(time.GetUtcNow() - due.FireAt);
                _ = RunAsync(due, free);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Drain: every slot comes back when the refreshes running now have finished.
        for (var i = 0; i < slots; i++)
        {
            await free.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(DueRefresh due, SemaphoreSlim free)
    {
        try
        {
            var result = await refresher.RefreshAsync(due.Key, due.PlannedExpiry, due.Missed, due.Failures).ConfigureAwait(false);
            managedKeys.OnRefreshed(result);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The refresher turns failures into results; should one escape, the key still gets a next attempt.
            Log.RefreshCrashed(logger, due.Key, ex);
            var retryAt = time.GetUtcNow() + _refresh.FailSafe.RetryDelay;
            managedKeys.OnRefreshed(new RefreshResult(due.Key, RefreshOutcome.Failed, due.PlannedExpiry, retryAt, due.Failures + 1));
        }
        finally
        {
            free.Release();
        }
    }
}
