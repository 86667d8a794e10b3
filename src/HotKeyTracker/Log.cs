using Microsoft.Extensions.Logging;

namespace CacheWarmer.HotKeyTracker;

// Event ids 1000-1099 belong to this project; once shipped, names and ids are a contract for log queries.
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Resync ({Reason}) found {Count} loader keys")]
    public static partial void Resynced(ILogger logger, string reason, int count);

    [LoggerMessage(1001, LogLevel.Warning, "Resync ({Reason}) failed; it runs again after the next reconnect")]
    public static partial void ResyncFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(1002, LogLevel.Warning, "Reading the TTLs of {Count} keys failed; a resync will catch up")]
    public static partial void ProbeFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(1003, LogLevel.Information, "Keyspace notifications enabled on {Server}: notify-keyspace-events={Flags}")]
    public static partial void NotificationsEnabled(ILogger logger, string server, string flags);

    [LoggerMessage(1004, LogLevel.Warning, "Keyspace notifications are off on {Server} (notify-keyspace-events='{Current}') and CacheWarmer:Redis:ConfigureKeyspaceEvents is false. Set notify-keyspace-events to include '{Required}' on the server, or allow the worker to set it; until then keys are found only by SCAN.")]
    public static partial void NotificationsOff(ILogger logger, string server, string current, string required);

    [LoggerMessage(1006, LogLevel.Warning, "Cannot subscribe to keyspace notifications yet (Redis unreachable); trying again in {Seconds} s")]
    public static partial void WaitingForRedis(ILogger logger, double seconds, Exception exception);

    [LoggerMessage(1005, LogLevel.Warning, "The server {Server} refused CONFIG SET notify-keyspace-events. Set it to include '{Required}' where the server is managed (for example its parameter group); until then keys are found only by SCAN.")]
    public static partial void NotificationsNotAllowed(ILogger logger, string server, string required, Exception exception);

    [LoggerMessage(1007, LogLevel.Warning, "CONFIG GET notify-keyspace-events is refused on {Server} (CONFIG renamed or forbidden by an ACL, as on managed services); the SCAN runs anyway, and a beacon write's keyspace event shows whether notifications arrive. If they do not, set notify-keyspace-events to include '{Required}' in the server's configuration.")]
    public static partial void ConfigUnreadable(ILogger logger, string server, string required, Exception exception);

    [LoggerMessage(1008, LogLevel.Warning, "The beacon on {Servers} was gone or older than the last write: a FLUSHALL, FLUSHDB or a failover to another node. Resyncing, so missing managed keys are warmed again.")]
    public static partial void BeaconLost(ILogger logger, string servers);

    [LoggerMessage(1018, LogLevel.Warning, "The primaries are now {Servers}: a failover. Resyncing: notifications are turned on there when allowed, and missing managed keys are warmed again.")]
    public static partial void PrimariesChanged(ILogger logger, string servers);

    [LoggerMessage(1009, LogLevel.Warning, "No keyspace event arrived for the beacon write to {Servers}: notifications are not reaching the worker (a promoted replica without notify-keyspace-events, or the subscription is down). Resyncing; set notify-keyspace-events to include '{Required}' if the worker may not.")]
    public static partial void BeaconUnheard(ILogger logger, string servers, string required);

    [LoggerMessage(1015, LogLevel.Information, "Keyspace events arrive again from {Servers}; resyncing to catch what was missed")]
    public static partial void BeaconHeardAgain(ILogger logger, string servers);

    [LoggerMessage(1016, LogLevel.Debug, "Writing the beacon {Key} failed")]
    public static partial void BeaconWriteFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(1017, LogLevel.Warning, "A beacon write to {Servers} was refused with READONLY: a primary was demoted while the connection stayed up. Asking the client to re-read the roles now.")]
    public static partial void PrimaryDemoted(ILogger logger, string servers);

    [LoggerMessage(1019, LogLevel.Warning, "The listener remembers {Budget} loader keys, its KnownKeyBudget; keys past it are still sampled and their events still reported, but a resync cannot tell when they are gone. The worker sets the budget to HotKeys:Capacity + HotKeys:PinnedCapacity; raise those if more keys must be followed.")]
    public static partial void KnownKeysFull(ILogger logger, int budget);

    [LoggerMessage(1020, LogLevel.Warning, "The primary {Servers} is unreachable; re-reading the topology (after 1 s, then up to every 30 s) until it is back or replaced (a Redis Cluster or Sentinel promotes a replica), so writes and keyspace notifications move to the new primary.")]
    public static partial void PrimaryUnreachable(ILogger logger, string servers);

    [LoggerMessage(1010, LogLevel.Information, "Reading access samples from stream {Stream}, starting {Minutes} minutes back")]
    public static partial void ReadingSamples(ILogger logger, string stream, double minutes);

    [LoggerMessage(1011, LogLevel.Warning, "Cannot read access samples from stream {Stream} (Redis unreachable); the reader resumes where it stopped once Redis is back")]
    public static partial void SampleReadFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(1012, LogLevel.Warning, "Skipped {Count} malformed access-sample fields in stream {Stream}: each field must be a cache key and a positive decimal count, as in XADD {Stream} MAXLEN ~ 1000000 * product:42 17. Fix the app that writes them.")]
    public static partial void SamplesRejected(ILogger logger, long count, string stream);

    [LoggerMessage(1013, LogLevel.Information, "Redis's own read counters are not used: maxmemory-policy is {Policy}, not an LFU policy (allkeys-lfu or volatile-lfu); hotness comes from access samples and app writes")]
    public static partial void LfuOff(ILogger logger, string policy);

    [LoggerMessage(1014, LogLevel.Warning, "Reading OBJECT FREQ counters failed; trying again next interval")]
    public static partial void LfuReadFailed(ILogger logger, Exception exception);
}
