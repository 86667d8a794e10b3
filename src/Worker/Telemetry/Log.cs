using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheWarmer.Worker;

// Event ids 2000-2999 belong to the worker; once shipped, names and ids are a contract for log queries.
// Keys and other outside text (a database's error) are structured properties of type LogText, escaped when written:
// the console template renders strings literally ({Message:lj}), so a raw newline in a key would forge a line.
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Debug, "Refreshed {Key} ({Loader}) {LeadMs} ms before expiry; load took {LoadMs} ms; new TTL {TtlSeconds:F1} s")]
    public static partial void Refreshed(ILogger logger, LogText key, string loader, long leadMs, long loadMs, double ttlSeconds);

    [LoggerMessage(2001, LogLevel.Warning, "Loading {Key} ({Loader}) failed: {Error}; kept the old value for {KeptMs} ms more; retry in {RetryMs} ms")]
    public static partial void FailSafe(ILogger logger, LogText key, string loader, LogText error, long keptMs, long retryMs);

    [LoggerMessage(2002, LogLevel.Warning, "Loading {Key} ({Loader}) failed: {Error}; there was no old value to keep; retry in {RetryMs} ms")]
    public static partial void LoadFailed(ILogger logger, LogText key, string loader, LogText error, long retryMs);

    [LoggerMessage(2003, LogLevel.Information, "The query of {Loader} found nothing for {Key}; nothing written, and the key is no longer managed unless it is pinned (then it is looked at again, backing off)")]
    public static partial void NoValue(ILogger logger, LogText key, string loader);

    [LoggerMessage(2004, LogLevel.Warning, "Lost the lease of {Key} during its load (it outlived Refresh:LeaseTtl); the newer holder's value stands")]
    public static partial void LeaseLost(ILogger logger, LogText key);

    [LoggerMessage(2017, LogLevel.Information, "An app wrote or deleted {Key} ({Loader}) while it was loading; its change stands and the loaded value was dropped (PTTL now {PttlMs} ms; -2: deleted, loaded again)")]
    public static partial void Superseded(ILogger logger, LogText key, string loader, long pttlMs);

    [LoggerMessage(2019, LogLevel.Warning, "The database refused {Key} ({Loader}) itself: {Error}; nothing written, the key is no longer managed. Its parameters do not fit the query (e.g. a non-numeric id against an integer column): fix the app's key or the loader's Key pattern")]
    public static partial void KeyRejected(ILogger logger, LogText key, string loader, LogText error);

    [LoggerMessage(2020, LogLevel.Warning, "{Key} ({Loader}) holds a Redis {Type}, which the loader's Format {Format} does not write: the worker leaves this key alone. Set the loader's Format to the layout the apps keep here (String, DistributedCache), or narrow its Key pattern")]
    public static partial void ForeignValue(ILogger logger, LogText key, string loader, string type, string format);

    [LoggerMessage(2005, LogLevel.Debug, "Releasing the lease of {Key} failed; it expires by itself")]
    public static partial void ReleaseFailed(ILogger logger, LogText key, Exception exception);

    [LoggerMessage(2006, LogLevel.Warning, "Refreshing {Key} failed: Redis is unreachable; retrying")]
    public static partial void RedisUnavailable(ILogger logger, LogText key, Exception exception);

    [LoggerMessage(2007, LogLevel.Warning, "Managed key {Key} ({Loader}) expired before it was refreshed: readers may have missed it; warming it now")]
    public static partial void ManagedKeyLost(ILogger logger, LogText key, string loader);

    [LoggerMessage(2008, LogLevel.Error, "Scheduling the refresh of {Key} failed")]
    public static partial void ScheduleFailed(ILogger logger, LogText key, Exception exception);

    [LoggerMessage(2010, LogLevel.Information, "Replica {Replica} started: {Loaders} loaders, Redis database {Database}, key prefix {Prefix}")]
    public static partial void Started(ILogger logger, string replica, int loaders, int database, string prefix);

    [LoggerMessage(2012, LogLevel.Error, "Refreshing {Key} failed unexpectedly; retrying with backoff")]
    public static partial void RefreshCrashed(ILogger logger, LogText key, Exception exception);

    [LoggerMessage(2013, LogLevel.Warning, "Could not renew this replica's heartbeat; other replicas may take over its leases")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(2014, LogLevel.Warning, "Took over the lease of {Key} from replica {Replica}, whose heartbeat stopped (it died mid-refresh)")]
    public static partial void LeaseTakenOver(ILogger logger, LogText key, string replica);

    [LoggerMessage(2018, LogLevel.Information, "Took over the lease of {Key} left by an earlier attempt of this replica (the reply to its acquire or release was lost)")]
    public static partial void OwnLeaseTakenOver(ILogger logger, LogText key);

    [LoggerMessage(2015, LogLevel.Information, "Hot keys: {Entered} became managed, {Left} cooled down and will expire naturally; {Managed} managed")]
    public static partial void HotKeysChanged(ILogger logger, int entered, int left, int managed);

    [LoggerMessage(2016, LogLevel.Warning, "{Managed} keys are managed, CacheWarmer:HotKeys:Capacity: further loader keys are not kept warm. Raise Capacity, or set MinRatePerMinute above 0 so only hot keys are managed.")]
    public static partial void ManagedKeysFull(ILogger logger, int managed);

    [LoggerMessage(2021, LogLevel.Debug, "Pinned key {Key} has nothing to keep warm (its source has no row, or Redis holds it without a TTL), {Absences} times in a row; it stays pinned and is looked at again in {RetryMs} ms")]
    public static partial void PinnedKeyAbsent(ILogger logger, LogText key, int absences, long retryMs);

    [LoggerMessage(2022, LogLevel.Warning, "{Managed} keys are managed, CacheWarmer:HotKeys:Capacity ({Capacity}) + PinnedCapacity ({PinnedCapacity}): further pins (warms, warmups), such as {Key}, are warmed once but not kept warm. Raise CacheWarmer:HotKeys:PinnedCapacity; cachewarmer_pin_capacity_reached_total counts the pins refused. Logged once.")]
    public static partial void PinnedKeysFull(ILogger logger, int managed, int capacity, int pinnedCapacity, LogText key);

    [LoggerMessage(2050, LogLevel.Information, "Live replicas: {Count} ({Replicas}); each key is refreshed by its owner among them, its standby refreshes it late only if the owner did not (Refresh:Partition {Partition})")]
    public static partial void ReplicasChanged(ILogger logger, int count, string replicas, bool partition);

    [LoggerMessage(2051, LogLevel.Information, "{Replicas} live replicas: {Dropped} keys passed to others, {Replanned} planned again for a new role here; {Managed} managed")]
    public static partial void KeysReassigned(ILogger logger, int replicas, int dropped, int replanned, int managed);

    [LoggerMessage(2040, LogLevel.Error, "{Key} ({Loader}) holds a {Format} entry the worker does not know: {Unknown}. The worker leaves this key alone. Verified: {Verified}; check the apps' library version and serializer, or the loader's Format")]
    public static partial void UnknownEntryLayout(ILogger logger, LogText key, string loader, string format, string unknown, string verified);
}
