using System.Collections.Concurrent;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
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
    IOptions<RedisOptions> redisOptions,
    IOptions<RefreshOptions> refreshOptions,
    LoaderCatalog catalog,
    KeyLoader loader,
    BatchLoader batchLoader,
    LeaseHolders holders,
    LoadsInFlight loads,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    ILogger<Refresher> logger) : IRefresher
{
    // A key whose expiry moved later than planned by more than this was refreshed by someone else.
    internal static readonly TimeSpan FreshTolerance = TimeSpan.FromMilliseconds(500);

    // A busy lease is looked at again this soon at most, so a dead holder is noticed about one heartbeat TTL after death.
    private static readonly TimeSpan BusyRecheck = TimeSpan.FromSeconds(1);

    // A key deleted (or made permanent) under a load is looked at again within this, at random.
    private static readonly TimeSpan SupersededRetry = TimeSpan.FromMilliseconds(250);

    private readonly RedisOptions _redis = redisOptions.Value;
    private readonly RefreshOptions _refresh = refreshOptions.Value;
    private readonly ConcurrentDictionary<string, Task<RefreshResult>> _inFlight = new(StringComparer.Ordinal);
    private readonly BatchLoader _batchLoader = batchLoader;

    /// <summary>
    /// Refreshes <paramref name="key"/>, planned against its expiry <paramref name="plannedExpiry"/> (null when the key
    /// is known to be missing and must be warmed). <paramref name="missed"/> says Redis expired or evicted the key under
    /// readers. <paramref name="failures"/> is how many attempts in a row failed before this one (it sets the backoff;
    /// the result carries the new count, so it lives and ends with the key's schedule). A call for a key already in
    /// flight here joins that attempt. <paramref name="match"/> is the key's loader match when the caller has made it
    /// (the dispatcher, a warm); the key is matched here otherwise.
    /// </summary>
    public Task<RefreshResult> RefreshAsync(string key, DateTimeOffset? plannedExpiry, bool missed = false, int failures = 0, LoaderMatch? match = null) =>
        RefreshAsync(key, plannedExpiry, missed, failures, seat: null, match);

    // With a seat, the key's load comes from its batch's query (see LoadBatch).
    private Task<RefreshResult> RefreshAsync(string key, DateTimeOffset? plannedExpiry, bool missed, int failures, LoadBatch.Seat? seat, LoaderMatch? match = null)
    {
        var mine = new TaskCompletionSource<RefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _inFlight.GetOrAdd(key, mine.Task);
        if (running != mine.Task)
        {
            seat?.Leave();
            return running;
        }

        return RunSingleAsync(key, plannedExpiry, missed, failures, mine, seat, match);
    }

    private async Task<RefreshResult> RunSingleAsync(string key, DateTimeOffset? plannedExpiry, bool missed, int failures, TaskCompletionSource<RefreshResult> mine, LoadBatch.Seat? seat, LoaderMatch? match)
    {
        try
        {
            // A key no loader owns is never written (and not counted).
            match ??= catalog.Match(key);
            var result = match is null
                ? new RefreshResult(key, RefreshOutcome.NotManaged, null)
                : await RunAsync(match, plannedExpiry, missed, failures, seat).ConfigureAwait(false);
            result = result with
            {
                Failures = result.Outcome switch
                {
                    RefreshOutcome.Failed or RefreshOutcome.FailSafe => failures + 1,
                    RefreshOutcome.LeaseBusy => failures,
                    _ => 0,
                },
            };
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
            seat?.Leave();
            _inFlight.TryRemove(new KeyValuePair<string, Task<RefreshResult>>(key, mine.Task));
        }
    }

    private async Task<RefreshResult> RunAsync(LoaderMatch match, DateTimeOffset? plannedExpiry, bool missed, int failures, LoadBatch.Seat? seat)
    {
        var key = match.Key;
        var lease = new RefreshLease(redis.GetDatabase(_redis.Database), _redis.KeyPrefix, holders.NewValue(), key, match.Loader.Format);
        loads.Started(key, lease);
        try
        {
            return await UnderLeaseAsync(match, lease, plannedExpiry, missed, failures, seat).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis itself is unreachable: nothing can be read or written; try again after a short backoff.
            Log.RedisUnavailable(logger, key, ex);
            return new RefreshResult(key, RefreshOutcome.Failed, plannedExpiry, RetryAt(failures));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever went wrong, the key must get a next attempt: a refresh that throws would never be planned again.
            Log.RefreshCrashed(logger, key, ex);
            return new RefreshResult(key, RefreshOutcome.Failed, plannedExpiry, RetryAt(failures));
        }
        finally
        {
            // A key that ends without a load frees its batch before its release's round trip.
            seat?.Leave();
            loads.Ended(key, lease);
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

    private async Task<RefreshResult> UnderLeaseAsync(LoaderMatch match, RefreshLease lease, DateTimeOffset? plannedExpiry, bool missed, int failures, LoadBatch.Seat? seat)
    {
        var key = match.Key;
        // The PTTL is read inside the round trip; adding it to the time the request was sent (not the time the reply
        // came) never makes a due key look refreshed by someone else, however slow the round trip: a reply late by
        // more than FreshTolerance did exactly that under load (ThroughputBench, docs/benchmarks.md).
        var asked = time.GetUtcNow();
        var (won, pttl, holder) = await lease.TryAcquireAsync(_refresh.LeaseTtl).ConfigureAwait(false);
        // Single flight runs one attempt per key here, so a lease of this replica's own is an orphan.
        if (!won && holder is not null && await holders.IsOverAsync(holder, singleFlight: true).ConfigureAwait(false))
        {
            asked = time.GetUtcNow();
            (won, pttl, _) = await lease.TryTakeOverAsync(_refresh.LeaseTtl, holder).ConfigureAwait(false);
            if (won && LeaseHolders.ReplicaOf(holder) == holders.ReplicaId)
            {
                Log.OwnLeaseTakenOver(logger, key);
            }
            else if (won)
            {
                Log.LeaseTakenOver(logger, key, LeaseHolders.ReplicaOf(holder));
            }
        }

        var now = time.GetUtcNow();
        if (!won)
        {
            metrics.LeaseContended();
            // Look again soon; the holder's write usually re-plans this key before that.
            var wait = TimeSpan.FromMilliseconds(Math.Clamp(pttl, 50, (long)Math.Min(_refresh.LeaseTtl.TotalMilliseconds, BusyRecheck.TotalMilliseconds)));
            return new RefreshResult(key, RefreshOutcome.LeaseBusy, plannedExpiry, now + wait + Jitter.UpTo(TimeSpan.FromMilliseconds(100)));
        }

        if (lease.ForeignType is { } type)
        {
            // An app keeps another kind of value here (a cache library's hash where strings are written, say): writing
            // over it would destroy it.
            Log.ForeignValue(logger, key, match.Loader.Name, type, match.Loader.Format.ToString());
            return new RefreshResult(key, RefreshOutcome.NotManaged, null);
        }

        if (lease.UnknownLayout is { } unknown)
        {
            // The app's library keeps its entry in a layout the worker does not write: a version or serializer it was
            // not verified against. Its own entry is left as it is rather than replaced by one it may not read.
            Log.UnknownEntryLayout(logger, key, match.Loader.Name, match.Loader.Format.ToString(), unknown, EntryLayouts.Verified(match.Loader.Format));
            return new RefreshResult(key, RefreshOutcome.NotManaged, null);
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

        var load = (seat is null ? null : await seat.LoadAsync(match, lease).ConfigureAwait(false))
            ?? await loader.LoadAsync(match, lease).ConfigureAwait(false);
        if (load.KeyFault)
        {
            Log.KeyRejected(logger, key, match.Loader.Name, load.Error ?? "");
            return new RefreshResult(key, RefreshOutcome.KeyRejected, current);
        }

        if (!load.Succeeded)
        {
            return await KeepOldValueAsync(match, lease, load.Error, failures).ConfigureAwait(false);
        }

        if (load.Value is null)
        {
            Log.NoValue(logger, key, match.Loader.Name);
            return new RefreshResult(key, RefreshOutcome.NoValue, current);
        }

        if (lease.Invalidated)
        {
            return Superseded(match, -2);
        }

        var ttl = match.Loader.Ttl + Jitter.UpTo(match.Loader.TtlJitter);
        var writtenAt = time.GetUtcNow();
        var value = StoredValue.Of(match.Loader, key, load.Value, writtenAt, ttl);
        var (written, before) = await lease.WriteAsync(value, ttl, writtenAt + ttl, BackplaneNotice(match, writtenAt)).ConfigureAwait(false);
        if (written == FencedWriteOutcome.LeaseLost)
        {
            // Our lease expired during the load and another replica took over: its value stands.
            Log.LeaseLost(logger, key);
            return new RefreshResult(key, RefreshOutcome.LeaseBusy, current, time.GetUtcNow() + (_refresh.LeaseTtl / 3));
        }

        if (written == FencedWriteOutcome.Superseded)
        {
            return Superseded(match, before);
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

    // An app wrote or deleted the key while this load ran: the loaded row may predate the app's change, so it is
    // dropped. A new value is planned from its own expiry; a deleted (invalidated) key is loaded again now, by a load
    // that starts after the delete; a key made permanent is looked at again soon and then found unmanaged.
    private RefreshResult Superseded(LoaderMatch match, long pttl)
    {
        var now = time.GetUtcNow();
        Log.Superseded(logger, match.Key, match.Loader.Name, pttl);
        return pttl >= 0
            ? new RefreshResult(match.Key, RefreshOutcome.Superseded, now + TimeSpan.FromMilliseconds(pttl))
            : new RefreshResult(match.Key, RefreshOutcome.Superseded, null, now + Jitter.UpTo(SupersededRetry));
    }

    // The FusionCache backplane's "set" message for the key, when the loader names the apps' cache.
    private (RedisChannel Channel, byte[] Message)? BackplaneNotice(LoaderMatch match, DateTimeOffset at)
    {
        var loader = match.Loader;
        if (loader.Format != ValueFormat.FusionCache || loader.CacheName.Length == 0)
        {
            return null;
        }

        var cacheKey = match.Key[(loader.InstanceName.Length + LoaderOptions.FusionCacheKeyPrefix.Length)..];
        return (RedisChannel.Literal(FusionCacheEntry.Channel(loader.CacheName)), FusionCacheEntry.SetMessage(cacheKey, holders.ReplicaId, at));
    }

    private async Task<RefreshResult> KeepOldValueAsync(LoaderMatch match, RefreshLease lease, string? error, int failures)
    {
        var key = match.Key;
        var retryAt = RetryAt(failures);
        var kept = await lease.KeepOldValueAsync(_refresh.FailSafe.Extension, _refresh.FailSafe.MaxStale).ConfigureAwait(false);
        var now = time.GetUtcNow();
        // A value kept with no time left (MaxStale reached) is as good as gone.
        if (kept is { Outcome: FailSafeOutcome.Kept, TtlMs: > 0 })
        {
            var expiresAt = now + TimeSpan.FromMilliseconds(kept.TtlMs);
            // Always retry while the old value is still there.
            if (retryAt > now + ((expiresAt - now) / 2))
            {
                retryAt = now + ((expiresAt - now) / 2);
            }

            Log.FailSafe(logger, key, match.Loader.Name, error ?? "", kept.TtlMs, (long)(retryAt - now).TotalMilliseconds);
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

    // The retry after one more failure, when <paramref name="failures"/> attempts in a row had failed already.
    private DateTimeOffset RetryAt(int failures)
    {
        var cap = _refresh.FailSafe.Extension / 2;
        var delay = _refresh.FailSafe.RetryDelay * Math.Pow(2, Math.Min(failures, 20));
        if (delay > cap)
        {
            delay = cap;
        }

        // Jitter (x0.5 to x1.5) keeps replicas and keys from retrying in lockstep.
        return time.GetUtcNow() + Jitter.Around(delay);
    }
}
