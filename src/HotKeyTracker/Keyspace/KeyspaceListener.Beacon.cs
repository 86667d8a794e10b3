using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using CacheWarmer.Contracts.Keys;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    // The least time a beacon's event is waited for, however short the interval: a loaded host delivers late.
    private static readonly TimeSpan MinBeaconWait = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _beaconHeard = new(StringComparer.Ordinal);
    // Touched by the beacon loop only.
    private readonly Dictionary<string, RedisValue> _beaconWritten = new(StringComparer.Ordinal);
    private readonly Channel<bool> _beaconWake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private TaskCompletionSource _beaconSignal = NewSignal();
    private long _beaconSequence;
    private volatile BeaconEvidence _beacon = new(BeaconVerdict.None, string.Empty);
    private volatile ConfigEvidence? _config;

    // Every BeaconInterval: SET each beacon with GET, then wait for the writes' keyspace events.
    private async Task BeaconLoopAsync(CancellationToken cancellationToken)
    {
        if (_options.BeaconInterval <= TimeSpan.Zero)
        {
            return;
        }

        // The first resync sets the flags; a beat before it would report a miss that is only the start.
        await _initialResync.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var started = _time.GetUtcNow();
            await BeatAsync(cancellationToken).ConfigureAwait(false);
            var rest = _options.BeaconInterval - (_time.GetUtcNow() - started);
            if (rest > TimeSpan.Zero)
            {
                try
                {
                    // A topology change (failover) wakes the beacon at once.
                    await _beaconWake.Reader.WaitToReadAsync(cancellationToken).AsTask().WaitAsync(rest, _time, cancellationToken).ConfigureAwait(false);
                    _beaconWake.Reader.TryRead(out _);
                }
                catch (TimeoutException)
                {
                }
            }
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase(_options.Database);
        var (keys, servers) = BeaconTargets();
        RedisValue value = Interlocked.Increment(ref _beaconSequence).ToString(CultureInfo.InvariantCulture);
        var writtenAt = _time.GetUtcNow();
        RedisValue[] previous;
        try
        {
            previous = await Task.WhenAll(keys.Select(key => db.StringSetAndGetAsync(key, value, WorkerKeys.BeaconLifetime))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.BeaconWriteFailed(_logger, keys[0], ex);
            _beacon = new BeaconEvidence(BeaconVerdict.Failed, $"the beacon write to {keys[0]} failed ({ex.GetType().Name})");
            return;
        }

        var lost = new List<string>();
        for (var i = 0; i < keys.Count; i++)
        {
            if (_beaconWritten.TryGetValue(keys[i], out var expected) && previous[i] != expected)
            {
                lost.Add(keys[i]);
            }

            _beaconWritten[keys[i]] = value;
        }

        if (lost.Count > 0)
        {
            // Redis sends no event for FLUSHALL/FLUSHDB, and a failover keeps the connection: the beacon is the tell.
            Log.BeaconLost(_logger, string.Join(", ", lost), servers);
            RequestResync("beacon lost");
        }

        var heard = await WaitForBeaconEventsAsync(keys, writtenAt, cancellationToken).ConfigureAwait(false);
        var before = _beacon.Verdict;
        if (heard is { } at)
        {
            _beacon = new BeaconEvidence(BeaconVerdict.Heard, $"the keyspace event of a beacon write to {servers} arrived at {at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}");
            if (before is BeaconVerdict.Missed or BeaconVerdict.Failed)
            {
                // Events sent while they were not arriving are lost: look at every key again.
                Log.BeaconHeardAgain(_logger, servers);
                RequestResync("notifications back");
            }
        }
        else
        {
            _beacon = new BeaconEvidence(BeaconVerdict.Missed, $"no keyspace event arrived for the beacon write to {servers} within {BeaconWait.TotalSeconds:0.###} s");
            if (before is not BeaconVerdict.Missed)
            {
                // Try to turn them on again (a promoted replica has none) and resubscribe; once per outage, not per beat.
                Log.BeaconUnheard(_logger, servers, KeyspaceFlags.Required);
                RequestResync("notifications missing");
            }
        }
    }

    private TimeSpan BeaconWait => _options.BeaconInterval > MinBeaconWait ? _options.BeaconInterval : MinBeaconWait;

    // When every beacon's event has arrived since the write: the latest arrival; null when one did not in time.
    private async Task<DateTimeOffset?> WaitForBeaconEventsAsync(IReadOnlyList<string> keys, DateTimeOffset writtenAt, CancellationToken cancellationToken)
    {
        var deadline = writtenAt + BeaconWait;
        while (true)
        {
            var signal = Volatile.Read(ref _beaconSignal).Task;
            var arrivals = keys.Select(key => _beaconHeard.TryGetValue(key, out var at) && at >= writtenAt ? at : (DateTimeOffset?)null).ToList();
            if (arrivals.All(a => a is not null))
            {
                return arrivals.Max();
            }

            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                await signal.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private void OnBeaconNotification(RedisChannel channel, RedisValue message)
    {
        if (KeyNotification.TryParse(in channel, in message, out var notification)
            && notification.Type == KeyNotificationType.Set
            && (string?)notification.GetKey() is { } key
            && key.StartsWith(WorkerKeys.BeaconPrefix(_hotKeys.KeyPrefix), StringComparison.Ordinal)
            && key.EndsWith(_options.InstanceId, StringComparison.Ordinal))
        {
            _beaconHeard[key] = _time.GetUtcNow();
            Interlocked.Exchange(ref _beaconSignal, NewSignal()).TrySetResult();
        }
    }

    private void OnConfigurationChanged(object? sender, EndPointEventArgs e) => _beaconWake.Writer.TryWrite(true);

    // One beacon per primary: on Redis Cluster each carries a hash tag of a slot that primary serves.
    private (IReadOnlyList<string> Keys, string Servers) BeaconTargets()
    {
        var primaries = _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
        var servers = primaries.Count == 0 ? "Redis" : string.Join(", ", primaries.Select(s => s.EndPoint.ToString()));
        var keys = new List<string>();
        foreach (var server in primaries.Where(s => s.ServerType == ServerType.Cluster))
        {
            if (server.ClusterConfiguration?[server.EndPoint]?.Slots is [var first, ..])
            {
                keys.Add(WorkerKeys.Beacon(_hotKeys.KeyPrefix, _options.InstanceId, first.From));
            }
        }

        if (keys.Count == 0)
        {
            keys.Add(WorkerKeys.Beacon(_hotKeys.KeyPrefix, _options.InstanceId));
        }

        return (keys, servers);
    }

    /// <summary>
    /// Whether notifications reach this process and how the tracker knows: the last beacon's event (the proof that
    /// works everywhere), else the flags CONFIG GET read; or what is missing, naming the flags to set.
    /// </summary>
    public NotificationStatus Notifications
    {
        get
        {
            var config = _config;
            var beacon = _beacon;
            if (config?.Verdict == ConfigVerdict.Off)
            {
                return new NotificationStatus(false, config.Detail);
            }

            var unreadable = config?.Verdict == ConfigVerdict.Unreadable;
            return beacon.Verdict switch
            {
                BeaconVerdict.Heard => new NotificationStatus(true, unreadable
                    ? $"{beacon.Detail} (CONFIG is refused on {config!.Detail}, so the beacon's event is the evidence)"
                    : $"{beacon.Detail}; {config?.Detail ?? "flags not read yet"}"),
                BeaconVerdict.Missed => new NotificationStatus(false, unreadable
                    ? $"{beacon.Detail}, and CONFIG is refused on {config!.Detail}: set notify-keyspace-events to include '{KeyspaceFlags.Required}' in the server's configuration (for a managed service, its parameter group)"
                    : $"{beacon.Detail}: notify-keyspace-events must include '{KeyspaceFlags.Required}' on every primary (the worker sets it when it may) and the subscription must be up"),
                BeaconVerdict.Failed => new NotificationStatus(false, beacon.Detail),
                _ when config is null => new NotificationStatus(false, "not checked yet: the first resync has not run"),
                _ when unreadable => new NotificationStatus(false, $"CONFIG is refused on {config.Detail}; waiting for a beacon write's keyspace event to show notifications arrive"),
                _ => new NotificationStatus(true, config.Detail),
            };
        }
    }

    /// <summary>True once keyspace notifications are enabled and subscribed on every primary, as far as the tracker knows.</summary>
    public bool NotificationsActive => Notifications.Active;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private enum BeaconVerdict
    {
        None,
        Heard,
        Missed,
        Failed,
    }

    private enum ConfigVerdict
    {
        On,
        Off,
        Unreadable,
    }

    private sealed record BeaconEvidence(BeaconVerdict Verdict, string Detail);

    private sealed record ConfigEvidence(ConfigVerdict Verdict, string Detail);
}
