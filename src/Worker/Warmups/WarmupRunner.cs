using System.Collections.Concurrent;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.WarmRequests;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Warmups;

/// <summary>How one firing ended on this replica.</summary>
internal enum WarmupFiringOutcome
{
    /// <summary>This replica warmed the firing's keys (all, or the rest a dead replica left).</summary>
    Warmed,

    /// <summary>Another replica ran the firing to its end.</summary>
    DoneElsewhere,

    /// <summary>The firing came after its window ended (a misfire): skipped.</summary>
    Skipped,

    /// <summary>This replica stopped, or lost the firing's lease, before every key was reached.</summary>
    Cancelled,
}

/// <summary>
/// Runs warmup firings in the background (the Quartz job only hands them over, so a long firing holds no scheduler
/// thread). Each firing runs on one replica: the one that takes its lease. The others wait until it is done, and take
/// over the remaining keys when the holder's heartbeat stops or its lease runs out. Keys go through
/// <see cref="KeyWarmer"/> (the refresher's lease and fenced write), paced by the warmup's own
/// <see cref="WarmPacer"/>, and stay pinned until the window ends.
/// </summary>
internal sealed class WarmupRunner(
    IConnectionMultiplexer redis,
    IOptions<WarmupsOptions> warmups,
    IOptions<RedisOptions> redisOptions,
    IOptions<RefreshOptions> refreshOptions,
    WarmupKeySource keySource,
    KeyWarmer warmer,
    WarmJobs jobs,
    LeaseHolders holders,
    TimeProvider time,
    ILogger<WarmupRunner> logger) : IHostedService, IDisposable
{
    /// <summary>The <c>trigger</c> label of scheduled warms.</summary>
    public const string Trigger = "schedule";

    /// <summary>The id under which a firing's progress shows at <c>GET /warm/{id}</c> on the replica running it.</summary>
    public static string FiringId(string name, DateTimeOffset scheduledFire) =>
        name + "-" + scheduledFire.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    // How often a replica that lost the race looks whether the firing is done or its holder died.
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    // A firing that starts later than this after its scheduled time is logged as late.
    private static readonly TimeSpan LateAfter = TimeSpan.FromSeconds(5);

    // The progress and done records outlive the window by this much at least.
    private static readonly TimeSpan MinKeep = TimeSpan.FromMinutes(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>Starts the firing of <paramref name="name"/> scheduled at <paramref name="scheduledFire"/> in the background.</summary>
    public void Start(string name, DateTimeOffset scheduledFire)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var task = Task.Run(() => RunAsync(name, scheduledFire, _stopping.Token));
        _running[task] = 0;
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Runs one firing to its end on this replica (or sees it run elsewhere).</summary>
    public async Task<WarmupFiringOutcome> RunAsync(string name, DateTimeOffset scheduledFire, CancellationToken cancellationToken)
    {
        try
        {
            return await RunCoreAsync(name, scheduledFire, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return WarmupFiringOutcome.Cancelled;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One firing's failure never stops the next: the trigger stays scheduled.
            Log.WarmupCrashed(logger, name, scheduledFire, ex);
            return WarmupFiringOutcome.Cancelled;
        }
    }

    private async Task<WarmupFiringOutcome> RunCoreAsync(string name, DateTimeOffset scheduledFire, CancellationToken cancellationToken)
    {
        var warmup = warmups.Value[name];
        var windowEnd = WarmupWindow.End(warmup, scheduledFire);
        var now = time.GetUtcNow();
        if (now >= windowEnd)
        {
            Log.WarmupMissed(logger, name, scheduledFire, windowEnd);
            return WarmupFiringOutcome.Skipped;
        }

        if (now - scheduledFire > LateAfter)
        {
            Log.WarmupLate(logger, name, scheduledFire, (now - scheduledFire).TotalSeconds, windowEnd);
        }

        var db = redis.GetDatabase(redisOptions.Value.Database);
        var lease = new WarmupLease(db, redisOptions.Value.KeyPrefix, name, scheduledFire, holders.NewValue());
        var leaseTtl = refreshOptions.Value.LeaseTtl;
        while (true)
        {
            var asked = time.GetUtcNow();
            var (won, holder) = await lease.TryAcquireAsync(leaseTtl).ConfigureAwait(false);
            if (!won && holder == WarmupLease.Done)
            {
                return WarmupFiringOutcome.DoneElsewhere;
            }

            // Only a dead replica's firing is taken over. One held by this replica under another token is an attempt of
            // its own that may still be running here (unlike a refresh, a firing has no single flight in the process):
            // it ends, or its lease lapses, before another attempt takes the firing.
            if (!won && await holders.IsOverAsync(holder, singleFlight: false).ConfigureAwait(false))
            {
                asked = time.GetUtcNow();
                (won, _) = await lease.TryTakeOverAsync(leaseTtl, holder).ConfigureAwait(false);
                if (won)
                {
                    Log.WarmupTakenOver(logger, name, scheduledFire, LeaseHolders.ReplicaOf(holder));
                }
            }

            if (won)
            {
                using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var keeper = WarmupLeaseKeeper.KeepAsync(lease, asked + leaseTtl, leaseTtl, run, time, logger, name, scheduledFire);
                try
                {
                    return await RunAsHolderAsync(name, warmup, scheduledFire, windowEnd, lease, run).ConfigureAwait(false);
                }
                finally
                {
                    await run.CancelAsync().ConfigureAwait(false);
                    await keeper.ConfigureAwait(false);
                }
            }

            if (time.GetUtcNow() >= windowEnd)
            {
                Log.WarmupMissed(logger, name, scheduledFire, windowEnd);
                return WarmupFiringOutcome.Skipped;
            }

            await Task.Delay(Jitter.Around(Poll), time, cancellationToken).ConfigureAwait(false);
        }
    }

    // The lease is kept from the moment it is won (the Ids query may take a while); run is cancelled when it is lost.
    private async Task<WarmupFiringOutcome> RunAsHolderAsync(
        string name, WarmupOptions warmup, DateTimeOffset scheduledFire, DateTimeOffset windowEnd, WarmupLease lease, CancellationTokenSource run)
    {
        var started = time.GetUtcNow();
        var keep = Max(windowEnd - started, MinKeep);
        List<LoaderMatch> keys;
        HashSet<string> finished;
        try
        {
            List<string> problems;
            (keys, problems) = await keySource.ResolveAsync(name, warmup, scheduledFire, run.Token).ConfigureAwait(false);
            foreach (var problem in problems)
            {
                Log.WarmupKeysProblem(logger, name, scheduledFire, problem);
            }

            finished = await lease.FinishedKeysAsync().WaitAsync(run.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
            Log.WarmupInterrupted(logger, name, scheduledFire, 0, 0);
            return WarmupFiringOutcome.Cancelled;
        }

        var todo = keys.Where(k => !finished.Contains(k.Key)).ToArray();
        Random.Shared.Shuffle(todo);
        Log.WarmupStarted(logger, name, scheduledFire, keys.Count, todo.Length, warmup.MaxPerSecond, warmup.MaxConcurrency, windowEnd);

        var counts = new int[Enum.GetValues<WarmOutcome>().Length];
        var job = jobs.Track(FiringId(name, scheduledFire), Trigger, todo.Length);
        using var pacer = new WarmPacer(warmup.MaxPerSecond, warmup.MaxConcurrency, time);
        var tasks = new List<Task>(todo.Length);
        try
        {
            foreach (var match in todo)
            {
                await pacer.EnterAsync(run.Token).ConfigureAwait(false);
                tasks.Add(WarmOneAsync(match, lease, keep, windowEnd, counts, job, pacer, run.Token));
            }
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var reachedAll = !run.IsCancellationRequested;
        job.Finish(cancelled: !reachedAll);
        // The keeper stops before the lease is completed or released, so it never reads the change as a lost lease.
        await run.CancelAsync().ConfigureAwait(false);
        var seconds = (time.GetUtcNow() - started).TotalSeconds;
        if (reachedAll && await lease.CompleteAsync(keep).ConfigureAwait(false))
        {
            Log.WarmupFinished(
                logger, name, scheduledFire, counts[(int)WarmOutcome.Loaded], counts[(int)WarmOutcome.AlreadyWarm],
                counts[(int)WarmOutcome.NotFound], counts[(int)WarmOutcome.Permanent], counts[(int)WarmOutcome.Failed] + counts[(int)WarmOutcome.Rejected], seconds);
            return WarmupFiringOutcome.Warmed;
        }

        // Stopping (or the lease was lost): let another replica take the rest at once.
        await lease.ReleaseAsync().ConfigureAwait(false);
        Log.WarmupInterrupted(logger, name, scheduledFire, counts.Sum(), todo.Length);
        return WarmupFiringOutcome.Cancelled;
    }

    private async Task WarmOneAsync(
        LoaderMatch match, WarmupLease lease, TimeSpan keep, DateTimeOffset pinUntil, int[] counts, WarmJob job, WarmPacer pacer, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await warmer.WarmAsync(match, Trigger, cancellationToken, pinUntil).ConfigureAwait(false);
            Interlocked.Increment(ref counts[(int)outcome]);
            await lease.MarkFinishedAsync(match.Key, keep).ConfigureAwait(false);
            job.Record(outcome);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Left for whoever takes the firing over.
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.WarmupKeyFailed(logger, match.Key, ex);
            Interlocked.Increment(ref counts[(int)WarmOutcome.Failed]);
            job.Record(WarmOutcome.Failed);
        }
        finally
        {
            pacer.Exit();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();
}
