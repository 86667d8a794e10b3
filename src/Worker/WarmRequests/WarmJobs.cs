using System.Collections.Concurrent;
using CacheWarmer.Contracts.Http;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.WarmRequests;

/// <summary>
/// Runs warm jobs in the background and remembers the last <see cref="Kept"/> of them, in this replica's memory only:
/// a job's progress is asked of the replica that accepted it, and a restart forgets it. At most
/// <see cref="MaxRunning"/> run at once; all share one <see cref="WarmPacer"/>. Stopping the host cancels the keys not
/// yet started and waits for the ones loading.
/// </summary>
internal sealed class WarmJobs(
    KeyWarmer warmer,
    WarmPacer pacer,
    TimeProvider time,
    IOptions<HttpOptions> http,
    ILogger<WarmJobs> logger) : IHostedService, IDisposable
{
    /// <summary>Jobs remembered, finished or not.</summary>
    public const int Kept = 100;

    /// <summary>Jobs running at once; more are refused until one finishes.</summary>
    public const int MaxRunning = 16;

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, WarmJob> _jobs = new(StringComparer.Ordinal);
    private readonly List<WarmJob> _order = [];
    private readonly ConcurrentDictionary<WarmJob, Task> _running = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// Starts warming <paramref name="keys"/> (distinct, each matched to its loader); null when <see cref="MaxRunning"/>
    /// jobs run already. The task gives each key's outcome, in the order given, once the job ends.
    /// </summary>
    public (WarmJob Job, Task<WarmKeyResult[]> Results)? TryStart(IReadOnlyList<LoaderMatch> keys, string trigger)
    {
        WarmJob job;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested || _running.Count >= MaxRunning)
            {
                return null;
            }

            job = new WarmJob(Guid.NewGuid().ToString("N"), trigger, keys.Count, time.GetUtcNow());
            _jobs[job.Id] = job;
            _order.Add(job);
            Forget();
            _running[job] = Task.CompletedTask;
        }

        var results = Task.Run(() => RunAsync(job, keys, _stopping.Token));
        _running[job] = results;
        // Attached after the line above, so it cannot remove the entry before it is written.
        _ = results.ContinueWith(_ => _running.TryRemove(job, out Task? _), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return (job, results);
    }

    /// <summary>
    /// Remembers a job that runs elsewhere (a scheduled warmup's firing), so <c>GET /warm/{id}</c> shows its progress
    /// like any other; the caller records its outcomes and finishes it. An id seen before starts afresh.
    /// </summary>
    public WarmJob Track(string id, string trigger, int total)
    {
        var job = new WarmJob(id, trigger, total, time.GetUtcNow());
        lock (_lock)
        {
            if (_jobs.Remove(id, out var earlier))
            {
                _order.Remove(earlier);
            }

            _jobs[id] = job;
            _order.Add(job);
            Forget();
        }

        return job;
    }

    /// <summary>Jobs remembered now, running or finished.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _jobs.Count;
            }
        }
    }

    /// <summary>The job with this id, if this replica still remembers it.</summary>
    public WarmJob? Find(string id)
    {
        lock (_lock)
        {
            return _jobs.GetValueOrDefault(id);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _stopping.Cancel();
        }

        await Task.WhenAll(_running.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    // The oldest finished jobs go first; running ones stay (there are fewer of them than Kept).
    private void Forget()
    {
        for (var i = 0; _order.Count > Kept && i < _order.Count;)
        {
            if (_order[i].State == WarmJobState.Running)
            {
                i++;
                continue;
            }

            _jobs.Remove(_order[i].Id);
            _order.RemoveAt(i);
        }
    }

    private async Task<WarmKeyResult[]> RunAsync(WarmJob job, IReadOnlyList<LoaderMatch> keys, CancellationToken cancellationToken)
    {
        var warm = http.Value.Warm;
        Log.WarmStarted(logger, job.Id, job.Trigger, job.Total, warm.MaxPerSecond, warm.MaxConcurrency);
        var outcomes = new WarmOutcome[keys.Count];
        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = ReportProgressAsync(job, progressStop.Token);
        var started = new List<Task>(keys.Count);
        var cancelled = false;
        try
        {
            // Each replica walks the keys in its own random order, so replicas given the same keys share the loads
            // instead of queueing behind each other's leases.
            foreach (var index in Shuffled(keys.Count))
            {
                await pacer.EnterAsync(cancellationToken).ConfigureAwait(false);
                started.Add(WarmOneAsync(job, keys[index], index, outcomes, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        await Task.WhenAll(started).ConfigureAwait(false);
        cancelled |= job.Done < job.Total;
        job.Finish(cancelled);
        await progressStop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        Log.WarmFinished(
            logger,
            job.Id,
            WarmJob.StateLabel(job.State),
            job.Count(WarmOutcome.Loaded),
            job.Count(WarmOutcome.AlreadyWarm),
            job.Count(WarmOutcome.NotFound),
            job.Count(WarmOutcome.Permanent),
            job.Failed,
            job.Total - job.Done,
            (time.GetUtcNow() - job.StartedAt).TotalSeconds);
        var results = new WarmKeyResult[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            results[i] = new WarmKeyResult(keys[i].Key, WarmOutcomes.Label(outcomes[i]));
        }

        return results;
    }

    private async Task WarmOneAsync(WarmJob job, LoaderMatch match, int index, WarmOutcome[] outcomes, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await warmer.WarmAsync(match, job.Trigger, cancellationToken).ConfigureAwait(false);
            outcomes[index] = outcome;
            job.Record(outcome);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Left pending: the replica is stopping.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.WarmKeyCrashed(logger, job.Id, match.Key, ex);
            outcomes[index] = WarmOutcome.Failed;
            job.Record(WarmOutcome.Failed);
        }
        finally
        {
            pacer.Exit();
        }
    }

    private async Task ReportProgressAsync(WarmJob job, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ProgressInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.WarmProgress(logger, job.Id, job.Done, job.Total, job.Failed);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static int[] Shuffled(int count)
    {
        var order = Enumerable.Range(0, count).ToArray();
        Random.Shared.Shuffle(order);
        return order;
    }
}
