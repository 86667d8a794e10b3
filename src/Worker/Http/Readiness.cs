using CacheWarmer.Contracts.Http;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Sources;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// <c>GET /readyz</c>: ready when Redis is connected, keyspace notifications are enabled and subscribed (without them
/// the worker does not see keys come and go; the detail says how the tracker knows: a beacon write's event, or the flags
/// CONFIG GET read), and no source's circuit breaker is open. It adds no load of its own: the
/// breakers already know whether the last loads of each source worked.
/// </summary>
internal sealed class Readiness(IConnectionMultiplexer redis, KeyspaceListener listener, SourceCircuitBreakers breakers)
{
    public ReadinessReport Check()
    {
        var connected = redis.IsConnected;
        var redisCheck = new ReadinessCheck(
            "redis",
            connected,
            connected ? "connected" : $"not connected to {string.Join(", ", redis.GetEndPoints().Select(e => e.ToString()))}");

        var notifications = listener.Notifications;
        var subscribed = connected && notifications.Active && redis.GetSubscriber().IsConnected();
        var notificationsCheck = new ReadinessCheck(
            "keyspace_notifications",
            subscribed,
            subscribed ? "enabled and subscribed: " + notifications.Detail
            : !notifications.Active ? "not arriving: " + notifications.Detail
            : "the subscription connection is down");

        var open = breakers.OpenSources();
        var sourcesCheck = new ReadinessCheck(
            "sources",
            open.Count == 0,
            open.Count == 0 ? "no circuit breaker is open" : $"circuit open (loads are failing) for {string.Join(", ", open)}");

        ReadinessCheck[] checks = [redisCheck, notificationsCheck, sourcesCheck];
        return new ReadinessReport(checks.All(c => c.Ready) ? "ready" : "not_ready", checks);
    }
}
