using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    private async Task PeriodicResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = _time.CreateTimer(_ => RequestResync("interval"), null, _options.ResyncInterval, _options.ResyncInterval);
        await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken).ConfigureAwait(false);
    }

    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var reason in _resyncRequests.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (reason != "start")
                {
                    await ResubscribeAsync().ConfigureAwait(false);
                }

                await EnableNotificationsAsync().ConfigureAwait(false);
                var found = await ScanAsync(cancellationToken).ConfigureAwait(false);
                Log.Resynced(_logger, reason, found);
                _initialResync.TrySetResult();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The reconnect that follows will ask again.
                Log.ResyncFailed(_logger, reason, ex);
            }
        }
    }

    private async Task<int> ScanAsync(CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            foreach (var pattern in _options.Patterns)
            {
                await foreach (var redisKey in server.KeysAsync(_options.Database, pattern.Glob, _options.ScanPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    var key = (string)redisKey!;
                    if (pattern.TryMatch(key, out _) && seen.Add(key))
                    {
                        await _toProbe.Writer.WriteAsync(new ProbeItem(key, KeyObservationCause.Resync, false), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        // Keys we knew of that the SCAN did not find are probed too: if they are gone, consumers must hear it.
        foreach (var key in _known.Keys)
        {
            if (!seen.Contains(key))
            {
                await _toProbe.Writer.WriteAsync(new ProbeItem(key, KeyObservationCause.Resync, false), cancellationToken).ConfigureAwait(false);
            }
        }

        return seen.Count;
    }

    private async Task EnableNotificationsAsync()
    {
        var active = true;
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var current = (await server.ConfigGetAsync("notify-keyspace-events").ConfigureAwait(false))
                .FirstOrDefault().Value ?? string.Empty;
            var missing = KeyspaceFlags.Missing(current);
            if (missing.Length == 0)
            {
                continue;
            }

            if (!_options.ConfigureKeyspaceEvents)
            {
                Log.NotificationsOff(_logger, server.EndPoint.ToString() ?? "?", current, KeyspaceFlags.Required);
                active = false;
                continue;
            }

            try
            {
                await server.ConfigSetAsync("notify-keyspace-events", current + missing).ConfigureAwait(false);
                Log.NotificationsEnabled(_logger, server.EndPoint.ToString() ?? "?", current + missing);
            }
            catch (RedisException ex)
            {
                Log.NotificationsNotAllowed(_logger, server.EndPoint.ToString() ?? "?", KeyspaceFlags.Required, ex);
                active = false;
            }
        }

        NotificationsActive = active;
    }
}
