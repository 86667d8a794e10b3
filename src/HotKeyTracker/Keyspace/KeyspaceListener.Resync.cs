using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    // The first periodic resync comes at a random point of the first one and a half intervals: replicas started together
    // (a rollout, a bench) do not all SCAN and read every followed key's TTL at the same moment, every interval.
    private async Task PeriodicResyncAsync(CancellationToken cancellationToken)
    {
        var first = _options.ResyncInterval * (0.5 + Random.Shared.NextDouble());
        using var timer = _time.CreateTimer(_ => RequestResync("interval"), null, first, _options.ResyncInterval);
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

    // Every key the SCAN finds is counted and sampled; only the followed ones have their TTL read and are reported.
    // Known keys the SCAN did not find are probed too, so the consumer hears they are gone. What a resync holds is
    // bounded by what is followed, however many keys Redis has.
    private async Task<int> ScanAsync(CancellationToken cancellationToken)
    {
        ForgetUnfollowed();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sample = new KeySample(_hotKeys.LfuMaxKeys);
        var found = 0;
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            foreach (var pattern in _options.Patterns)
            {
                await foreach (var redisKey in server.KeysAsync(_options.Database, pattern.Glob, _options.ScanPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    var key = (string)redisKey!;
                    if (!pattern.TryMatch(key, out _))
                    {
                        continue;
                    }

                    found++;
                    sample.Offer(key);
                    if (Follows(key) && seen.Add(key))
                    {
                        await _toProbe.Writer.WriteAsync(new ProbeItem(key, KeyObservationCause.Resync, false), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        _sample = sample;

        // Hottest first, so after a flush or a failover to an empty node the keys that matter most are reported
        // missing first.
        var gone = KnownKeys.Where(key => !seen.Contains(key));
        if (_model is { } model)
        {
            gone = gone.Select(key => model.Estimate(key)).OrderByDescending(e => e.RatePerMinute).Select(e => e.Key);
        }

        foreach (var key in gone.ToList())
        {
            await _toProbe.Writer.WriteAsync(new ProbeItem(key, KeyObservationCause.Resync, false), cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    // Reads (and where allowed, adds) each primary's notification flags. Where CONFIG is renamed or forbidden (managed
    // services) it records that it could not tell, and the beacon's event is the evidence instead; the SCAN runs anyway.
    private async Task EnableNotificationsAsync()
    {
        var off = new List<string>();
        var unreadable = new List<string>();
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var endpoint = server.EndPoint.ToString() ?? "?";
            string current;
            try
            {
                current = (await server.ConfigGetAsync("notify-keyspace-events").ConfigureAwait(false))
                    .FirstOrDefault().Value ?? string.Empty;
            }
            catch (Exception ex) when (ex is RedisServerException or RedisCommandException)
            {
                Log.ConfigUnreadable(_logger, endpoint, _options.RequiredFlags, ex);
                unreadable.Add(endpoint);
                continue;
            }

            var missing = KeyspaceFlags.Missing(current, _options.RequiredFlags);
            if (missing.Length == 0)
            {
                continue;
            }

            if (!_options.ConfigureKeyspaceEvents)
            {
                Log.NotificationsOff(_logger, endpoint, current, _options.RequiredFlags);
                off.Add($"{endpoint} has notify-keyspace-events='{current}' and CacheWarmer:Redis:ConfigureKeyspaceEvents is false: set it to include '{_options.RequiredFlags}' on the server");
                continue;
            }

            try
            {
                await server.ConfigSetAsync("notify-keyspace-events", current + missing).ConfigureAwait(false);
                Log.NotificationsEnabled(_logger, endpoint, current + missing);
            }
            catch (RedisException ex)
            {
                Log.NotificationsNotAllowed(_logger, endpoint, _options.RequiredFlags, ex);
                off.Add($"{endpoint} refused CONFIG SET notify-keyspace-events: set it to include '{_options.RequiredFlags}' where the server is managed");
            }
        }

        _config = off.Count > 0 ? new ConfigEvidence(ConfigVerdict.Off, string.Join("; ", off))
            : unreadable.Count > 0 ? new ConfigEvidence(ConfigVerdict.Unreadable, string.Join(", ", unreadable))
            : new ConfigEvidence(ConfigVerdict.On, "flags read by CONFIG GET");
    }
}
