using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Runs each planned refresh when it comes due, at most <c>Refresh:MaxConcurrency</c> at once, and hands the result
/// out through <see cref="RefreshResults"/> for the next cycle. When every slot is busy, due refreshes wait in fire-time order
/// (the wait is recorded as fire lag). A due key of a loader with a batch query takes along, in the same slot, the
/// keys of its loader due within <c>Refresh:BatchWindow</c>, up to <c>Refresh:MaxBatchSize</c>. At shutdown it stops taking refreshes and lets the running ones finish.
/// </summary>
internal sealed class RefreshDispatcher(
    RefreshScheduler scheduler,
    RefreshCapacity capacity,
    IRefresher refresher,
    LoaderCatalog catalog,
    RefreshResults results,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    IOptions<RefreshOptions> refreshOptions,
    ILogger<RefreshDispatcher> logger) : BackgroundService
{
    private readonly RefreshOptions _refresh = refreshOptions.Value;

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
                // Matched once here: the refresh takes the match along.
                var match = catalog.Match(due.Key);
                if (match?.Loader is { Batches: true } loader && _refresh.MaxBatchSize > 1)
                {
                    var batch = scheduler.TakeAlong(d => ReferenceEquals(catalog.Match(d.Key)?.Loader, loader), _refresh.BatchWindow, _refresh.MaxBatchSize - 1);
                    if (batch.Count > 0)
                    {
                        batch.ForEach(d => metrics.FireLag(time.GetUtcNow() - d.FireAt));
                        batch.Insert(0, due);
                        _ = RunBatchAsync(batch, free);
                        continue;
                    }
                }

                _ = RunAsync(due, match, free);
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

    private async Task RunBatchAsync(List<DueRefresh> batch, SemaphoreSlim free)
    {
        var started = time.GetTimestamp();
        try
        {
            var refreshes = refresher.RefreshBatchAsync(batch);
            for (var i = 0; i < batch.Count; i++)
            {
                await ReportAsync(batch[i], refreshes[i]).ConfigureAwait(false);
            }

            capacity.Record(time.GetElapsedTime(started), batch.Count);
        }
        finally
        {
            free.Release();
        }
    }

    private async Task RunAsync(DueRefresh due, LoaderMatch? match, SemaphoreSlim free)
    {
        var started = time.GetTimestamp();
        try
        {
            await ReportAsync(due, refresher.RefreshAsync(due.Key, due.PlannedExpiry, due.Missed, due.Failures, match)).ConfigureAwait(false);
            capacity.Record(time.GetElapsedTime(started), 1);
        }
        finally
        {
            free.Release();
        }
    }

    private async Task ReportAsync(DueRefresh due, Task<RefreshResult> refresh)
    {
        try
        {
            results.Report(await refresh.ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The refresher turns failures into results; should one escape, the key still gets a next attempt.
            Log.RefreshCrashed(logger, due.Key, ex);
            var retryAt = time.GetUtcNow() + _refresh.FailSafe.RetryDelay;
            results.Report(new RefreshResult(due.Key, RefreshOutcome.Failed, due.PlannedExpiry, retryAt, due.Failures + 1));
        }
    }
}
