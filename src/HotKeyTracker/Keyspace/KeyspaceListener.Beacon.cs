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

    // How soon, and at most how rarely, the topology is re-read while a primary is unreachable.
    private static readonly TimeSpan RediscoverFirst = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RediscoverMost = TimeSpan.FromSeconds(30);

    private DateTimeOffset? _primaryDownSince;
    private DateTimeOffset _lastRediscovery;
    private TimeSpan _rediscoverAfter = RediscoverFirst;
    private TaskCompletionSource _beaconSignal = NewSignal();
    private long _beaconSequence;
    private string? _beaconPrimaries;
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
        await RediscoverIfAPrimaryIsDownAsync().ConfigureAwait(false);
        var targets = BeaconTargets();
        if (targets.Count == 0)
        {
            _beacon = new BeaconEvidence(BeaconVerdict.Failed, "no primary is connected to write the beacon to");
            return;
        }

        RedisValue value = Interlocked.Increment(ref _beaconSequence).ToString(CultureInfo.InvariantCulture);
        var px = ((long)WorkerKeys.BeaconLifetime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var writtenAt = _time.GetUtcNow();
        RedisResult[] previous;
        try
        {
            // Each primary gets its own write (IServer, not IDatabase): while a failover has two, both must deliver.
            previous = await Task.WhenAll(targets.Select(t => t.Server.ExecuteAsync("SET", [(RedisKey)t.Key, value, "PX", px, "GET"]))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.BeaconWriteFailed(_logger, targets[0].Key, ex);
            _beacon = new BeaconEvidence(BeaconVerdict.Failed, $"the beacon write to {Names(targets)} failed ({ex.GetType().Name}: {ex.Message})");
            if (ex.Message.StartsWith("READONLY", StringComparison.Ordinal))
            {
                // A node the client holds as primary was demoted with the connection kept (a failover without a
                // client kill): the client would only notice at its next periodic check, a minute on. Ask it now.
                Log.PrimaryDemoted(_logger, Names(targets));
                await _redis.ConfigureAsync().ConfigureAwait(false);
            }

            return;
        }

        // Redis sends no event for FLUSHALL/FLUSHDB, and a failover may keep the connection: a beacon that is gone or
        // older than the last write, or a primary that was not one at the last beat, is the tell.
        var lost = targets.Where((t, i) => _beaconWritten.TryGetValue(t.Key, out var expected) && (RedisValue)previous[i] != expected).ToList();
        var primaries = string.Join(",", targets.Select(t => t.Endpoint).Order(StringComparer.Ordinal));
        var changed = _beaconPrimaries is { } last && last != primaries;
        _beaconPrimaries = primaries;
        foreach (var target in targets)
        {
            _beaconWritten[target.Key] = value;
        }

        if (lost.Count > 0)
        {
            Log.BeaconLost(_logger, Names(lost));
            RequestResync("beacon lost");
        }
        else if (changed)
        {
            Log.PrimariesChanged(_logger, primaries);
            RequestResync("primaries changed");
        }

        var unheard = await WaitForBeaconEventsAsync(targets, writtenAt, cancellationToken).ConfigureAwait(false);
        var before = _beacon.Verdict;
        if (unheard.Count == 0)
        {
            var at = targets.Max(t => _beaconHeard[t.Key]).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            _beacon = new BeaconEvidence(BeaconVerdict.Heard, $"the keyspace event of a beacon write to {Names(targets)} arrived at {at}");
            if (before is BeaconVerdict.Missed or BeaconVerdict.Failed)
            {
                // Events sent while they were not arriving are lost: look at every key again.
                Log.BeaconHeardAgain(_logger, Names(targets));
                RequestResync("notifications back");
            }
        }
        else
        {
            _beacon = new BeaconEvidence(BeaconVerdict.Missed, $"no keyspace event arrived for the beacon write to {Names(unheard)} within {BeaconWait.TotalSeconds:0.###} s");
            if (before is not BeaconVerdict.Missed)
            {
                // Try to turn them on again (a promoted replica has none) and resubscribe; once per outage, not per beat.
                Log.BeaconUnheard(_logger, Names(unheard), _options.RequiredFlags);
                RequestResync("notifications missing");
            }
        }
    }

    // A primary the client cannot reach may have been replaced (a Redis Cluster promotes its replica by itself, with no
    // client told): the client would only look again at its next periodic check, a minute on, and until then it sends
    // that primary's slots nowhere and the promoted node gets no notify-keyspace-events. Ask it to re-read the
    // topology while such a primary still serves slots, after 1 s, then less often (up to every 30 s).
    private async Task RediscoverIfAPrimaryIsDownAsync()
    {
        var down = UnreachablePrimaries();
        if (down.Count == 0)
        {
            _primaryDownSince = null;
            return;
        }

        var now = _time.GetUtcNow();
        if (_primaryDownSince is null)
        {
            _primaryDownSince = now;
            _rediscoverAfter = RediscoverFirst;
            Log.PrimaryUnreachable(_logger, string.Join(", ", down));
        }

        if (now - _lastRediscovery < _rediscoverAfter)
        {
            return;
        }

        _lastRediscovery = now;
        _rediscoverAfter = _rediscoverAfter * 2 > RediscoverMost ? RediscoverMost : _rediscoverAfter * 2;
        try
        {
            await _redis.ConfigureAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.BeaconWriteFailed(_logger, string.Join(", ", down), ex);
        }
    }

    // Primaries the client holds but cannot reach; on a cluster only those the reachable nodes say still serve slots
    // (a failed primary whose replica took over serves none, and stays listed until it comes back).
    private List<string> UnreachablePrimaries()
    {
        var servers = _redis.GetServers();
        var cluster = servers.FirstOrDefault(s => s.IsConnected && s.ServerType == ServerType.Cluster)?.ClusterConfiguration;
        return [.. servers
            .Where(s => !s.IsConnected && !s.IsReplica)
            .Where(s => s.ServerType != ServerType.Cluster || cluster?[s.EndPoint]?.Slots is not { Count: 0 })
            .Select(s => s.EndPoint.ToString() ?? "?")];
    }

    private static string Names(IEnumerable<BeaconTarget> targets) => string.Join(", ", targets.Select(t => t.Endpoint));

    private TimeSpan BeaconWait => _options.BeaconInterval > MinBeaconWait ? _options.BeaconInterval : MinBeaconWait;

    // Waits until every beacon's event has arrived since the write, or the wait is over; returns those still unheard.
    private async Task<List<BeaconTarget>> WaitForBeaconEventsAsync(IReadOnlyList<BeaconTarget> targets, DateTimeOffset writtenAt, CancellationToken cancellationToken)
    {
        var deadline = writtenAt + BeaconWait;
        while (true)
        {
            var signal = Volatile.Read(ref _beaconSignal).Task;
            var unheard = targets.Where(t => !(_beaconHeard.TryGetValue(t.Key, out var at) && at >= writtenAt)).ToList();
            var remaining = deadline - _time.GetUtcNow();
            if (unheard.Count == 0 || remaining <= TimeSpan.Zero)
            {
                return unheard;
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
            && key.StartsWith(WorkerKeys.BeaconPrefix(_input.KeyPrefix), StringComparison.Ordinal)
            && key.Contains(_options.InstanceId + "@", StringComparison.Ordinal))
        {
            _beaconHeard[key] = _time.GetUtcNow();
            Interlocked.Exchange(ref _beaconSignal, NewSignal()).TrySetResult();
        }
    }

    private void OnConfigurationChanged(object? sender, EndPointEventArgs e) => _beaconWake.Writer.TryWrite(true);

    // One beacon per primary, named after it (a failover's two primaries must both deliver); on Redis Cluster each
    // also carries the hash tag of a slot its primary serves.
    private List<BeaconTarget> BeaconTargets()
    {
        var targets = new List<BeaconTarget>();
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var endpoint = server.EndPoint.ToString() ?? "?";
            int? slot = null;
            if (server.ServerType == ServerType.Cluster)
            {
                if (server.ClusterConfiguration?[server.EndPoint]?.Slots is not [var first, ..])
                {
                    continue;
                }

                slot = first.From;
            }

            targets.Add(new BeaconTarget(server, WorkerKeys.Beacon(_input.KeyPrefix, _options.InstanceId, endpoint, slot), endpoint));
        }

        return targets;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record BeaconTarget(IServer Server, string Key, string Endpoint);
}
