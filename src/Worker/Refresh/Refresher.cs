using System.Collections.Concurrent;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Hosting;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// One refresh cycle of one key: single flight in this process, the Redis lease across replicas, a re-check of the
/// key's TTL, the load, and the fenced write; on a failed load, the fail-safe keeps the old value.
/// </summary>
internal sealed partial class Refresher(
    IConnectionMultiplexer redis,
    IOptions<CacheWarmerOptions> options,
    LoaderCatalog catalog,
    KeyLoader loader,
    ReplicaIdentity replica,
    ReplicaHeartbeat heartbeat,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    ILogger<Refresher> logger)
{
    // A key whose expiry moved later than planned by more than this was refreshed by someone else.
    internal static readonly TimeSpan FreshTolerance = TimeSpan.FromMilliseconds(500);

    // A busy lease is looked at again this soon at most, so a dead holder is noticed about one heartbeat TTL after death.
    private static readonly TimeSpan BusyRecheck = TimeSpan.FromSeconds(1);

    private readonly RedisOptions _redis = options.Value.Redis;
    private readonly RefreshOptions _refresh = options.Value.Refresh;
    private readonly ConcurrentDictionary<string, Task<RefreshResult>> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>
    /// Refreshes <paramref name="key"/>, planned against its expiry <paramref name="plannedExpiry"/> (null when the key
    /// is known to be missing and must be warmed). <paramref name="missed"/> says Redis expired or evicted the key under
    /// readers. A call for a key already in flight here joins that attempt.
    /// </summary>
    public Task<RefreshResult> RefreshAsync(string key, DateTimeOffset? plannedExpiry, bool missed = false)
    {
        var mine = new TaskCompletionSource<RefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _inFlight.GetOrAdd(key, mine.Task);
        if (running != mine.Task)
        {
            return running;
        }

        return RunSingleAsync(key, plannedExpiry, missed, mine);
    }

    private async Task<RefreshResult> RunSingleAsync(string key, DateTimeOffset? plannedExpiry, bool missed, TaskCompletionSource<RefreshResult> mine)
    {
        try
        {
            // A key no loader owns is never written (and not counted).
            var match = catalog.Match(key);
            var result = match is null
                ? new RefreshResult(key, RefreshOutcome.NotManaged, null)
                : await RunAsync(match, plannedExpiry, missed).ConfigureAwait(false);
            if (match is not null && RefreshOutcomes.Label(result.Outcome) is { } label)
            {
                metrics.Refresh(match.Loader.Name, label);
            }

            mine.SetResult(result);
            return result;
        }
        catch (Exception ex)
        {
            mine.SetException(ex);
            throw;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Task<RefreshResult>>(key, mine.Task));
        }
    }

    private async Task<RefreshResult> RunAsync(LoaderMatch match, DateTimeOffset? plannedExpiry, bool missed)
    {
        var key = match.Key;
        var lease = new RefreshLease(redis.GetDatabase(_redis.Database), _redis.KeyPrefix, replica.Id, key);
        try
        {
            return await UnderLeaseAsync(match, lease, plannedExpiry, missed).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis itself is unreachable: nothing can be read or written; try again after a short backoff.
            Log.RedisUnavailable(logger, key, ex);
            return new RefreshResult(key, RefreshOutcome.Failed, plannedExpiry, RetryAt(key));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever went wrong, the key must get a next attempt: a refresh that throws would never be planned again.
            Log.RefreshCrashed(logger, key, ex);
            return new RefreshResult(key, RefreshOutcome.Failed, plannedExpiry, RetryAt(key));
        }
        finally
        {
            try
            {
                await lease.ReleaseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The lease expires by itself within LeaseTtl.
                Log.ReleaseFailed(logger, key, ex);
            }
        }
    }

    private async Task<RefreshResult> UnderLeaseAsync(LoaderMatch match, RefreshLease lease, DateTimeOffset? plannedExpiry, bool missed)
    {
        var key = match.Key;
        // The PTTL is read inside the round trip; adding it to the time the request was sent (not the time the reply
        // came) never makes a due key look refreshed by someone else, however slow the round trip: a reply late by
        // more than FreshTolerance did exactly that under load (ThroughputBench, docs/benchmarks.md).
        var asked = time.GetUtcNow();
        var (won, pttl, holder) = await lease.TryAcquireAsync(_refresh.LeaseTtl).ConfigureAwait(false);
        if (!won && holder is not null && await IsDeadAsync(holder).ConfigureAwait(false))
        {
            asked = time.GetUtcNow();
            (won, pttl, _) = await lease.TryTakeOverAsync(_refresh.LeaseTtl, holder).ConfigureAwait(false);
            if (won)
            {
                Log.LeaseTakenOver(logger, key, RefreshLease.ReplicaOf(holder));
            }
        }

        var now = time.GetUtcNow();
        if (!won)
        {
            metrics.LeaseContended();
            // Look again soon; the holder's write usually re-plans this key before that.
            var wait = TimeSpan.FromMilliseconds(Math.Clamp(pttl, 50, (long)Math.Min(_refresh.LeaseTtl.TotalMilliseconds, BusyRecheck.TotalMilliseconds)));
            return new RefreshResult(key, RefreshOutcome.LeaseBusy, plannedExpiry, now + wait + Jitter(TimeSpan.FromMilliseconds(100)));
        }

        if (pttl == -1)
        {
            return new RefreshResult(key, RefreshOutcome.NotManaged, null);
        }

        // A miss is counted by the one replica holding the lease, so it counts once however many replicas saw it.
        var missCounted = pttl == -2 && (missed || plannedExpiry is not null);
        if (missCounted)
        {
            CountMiss(match);
        }

        DateTimeOffset? current = pttl >= 0 ? asked + TimeSpan.FromMilliseconds(pttl) : null;
        if (current is { } c && (plannedExpiry is null || c > plannedExpiry.Value + FreshTolerance))
        {
            // Another replica (or the app) wrote it since this refresh was planned.
            return new RefreshResult(key, RefreshOutcome.SkippedFresh, c);
        }

        var load = await loader.LoadAsync(match, lease).ConfigureAwait(false);
        if (!load.Succeeded)
        {
            return await KeepOldValueAsync(match, lease, load.Error).ConfigureAwait(false);
        }

        _failures.TryRemove(key, out _);
        if (load.Value is null)
        {
            Log.NoValue(logger, key, match.Loader.Name);
            return new RefreshResult(key, RefreshOutcome.NoValue, current);
        }

        var ttl = match.Loader.Ttl + Jitter(match.Loader.TtlJitter);
        var before = await lease.WriteAsync(load.Value, ttl).ConfigureAwait(false);
        if (before == -3)
        {
            // Our lease expired during the load and another replica took over: its value stands.
            Log.LeaseLost(logger, key);
            return new RefreshResult(key, RefreshOutcome.LeaseBusy, current, time.GetUtcNow() + (_refresh.LeaseTtl / 3));
        }

        if (before == -2 && !missCounted && plannedExpiry is not null)
        {
            // It expired while this refresh was loading.
            CountMiss(match);
        }

        var lead = TimeSpan.FromMilliseconds(Math.Max(before, 0));
        if (before > 0)
        {
            // A warm of a missing key has no lead; it is counted as a miss instead.
            metrics.RefreshLead(match.Loader.Name, lead);
        }

        var expiresAt = time.GetUtcNow() + ttl;
        Log.Refreshed(logger, key, match.Loader.Name, (long)lead.TotalMilliseconds, (long)load.Duration.TotalMilliseconds, ttl.TotalSeconds);
        return new RefreshResult(key, RefreshOutcome.Refreshed, expiresAt);
    }

    private async Task<RefreshResult> KeepOldValueAsync(LoaderMatch match, RefreshLease lease, string? error)
    {
        var key = match.Key;
        var retryAt = RetryAt(key);
        var kept = await lease.KeepOldValueAsync(_refresh.FailSafe.Extension, _refresh.FailSafe.MaxStale).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (kept > 0)
        {
            var expiresAt = now + TimeSpan.FromMilliseconds(kept);
            // Always retry while the old value is still there.
            if (retryAt > now + ((expiresAt - now) / 2))
            {
                retryAt = now + ((expiresAt - now) / 2);
            }

            Log.FailSafe(logger, key, match.Loader.Name, error ?? "", kept, (long)(retryAt - now).TotalMilliseconds);
            return new RefreshResult(key, RefreshOutcome.FailSafe, expiresAt, retryAt);
        }

        Log.LoadFailed(logger, key, match.Loader.Name, error ?? "", (long)(retryAt - now).TotalMilliseconds);
        return new RefreshResult(key, RefreshOutcome.Failed, null, retryAt);
    }

    private void CountMiss(LoaderMatch match)
    {
        metrics.HotKeyExpired(match.Loader.Name);
        Log.ManagedKeyLost(logger, match.Key, match.Loader.Name);
    }

    private async Task<bool> IsDeadAsync(string holder)
    {
        var holderReplica = RefreshLease.ReplicaOf(holder);
        return holderReplica.Length > 0 && holderReplica != replica.Id && !await heartbeat.IsAliveAsync(holderReplica).ConfigureAwait(false);
    }

    private DateTimeOffset RetryAt(string key)
    {
        var failures = _failures.AddOrUpdate(key, 1, (_, n) => n + 1);
        var cap = _refresh.FailSafe.Extension / 2;
        var delay = _refresh.FailSafe.RetryDelay * Math.Pow(2, Math.Min(failures - 1, 20));
        if (delay > cap)
        {
            delay = cap;
        }

        // Jitter (x0.5 to x1.5) keeps replicas and keys from retrying in lockstep.
        return time.GetUtcNow() + (delay * (0.5 + Random.Shared.NextDouble()));
    }

    private static TimeSpan Jitter(TimeSpan max) =>
        max <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * max.Ticks));
}
