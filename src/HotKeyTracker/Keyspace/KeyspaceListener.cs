using System.Collections.Concurrent;
using System.Threading.Channels;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.HotKeyTracker.Hotness;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>
/// Learns which loader keys exist and when they expire, from keyspace notifications and from a SCAN at start, after
/// every reconnect and every <see cref="KeyspaceOptions.ResyncInterval"/>. Each key it hears of has its TTL read
/// (pipelined in small batches) so consumers get the truth at read time, whatever order the events came in. An app's
/// <c>set</c> of a loader key also counts as a read in the <see cref="HotKeyModel"/>; the worker's own writes, which
/// carry an own-write marker (<see cref="WorkerKeys.Wrote"/>), do not.
/// </summary>
public sealed partial class KeyspaceListener : BackgroundService, IKeyObservationSource
{
    private readonly IConnectionMultiplexer _redis;
    private readonly KeyspaceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KeyspaceListener> _logger;
    private readonly Channel<KeyObservation> _observations;
    private readonly HotKeyModel? _model;
    private readonly HotKeyOptions _hotKeys;
    private readonly HotKeyInputOptions _input;
    private readonly Channel<ProbeItem> _toProbe;
    private readonly Channel<string> _resyncRequests = Channel.CreateBounded<string>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly IKeyInterest? _interest;

    /// <summary>Creates the listener; it starts with the host.</summary>
    public KeyspaceListener(
        IConnectionMultiplexer redis,
        IOptions<KeyspaceOptions> options,
        TimeProvider time,
        ILogger<KeyspaceListener> logger,
        HotKeyModel? model = null,
        IOptions<HotKeyOptions>? hotKeys = null,
        IKeyInterest? interest = null,
        IOptions<HotKeyInputOptions>? input = null)
    {
        _interest = interest;
        _redis = redis;
        _options = options.Value;
        _model = model;
        _hotKeys = hotKeys?.Value ?? new HotKeyOptions();
        _input = input?.Value ?? new HotKeyInputOptions();
        _time = time;
        _logger = logger;
        _sample = new KeySample(_hotKeys.LfuMaxKeys);
        _observations = Channel.CreateBounded<KeyObservation>(new BoundedChannelOptions(_options.ObservationCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _toProbe = Channel.CreateBounded<ProbeItem>(new BoundedChannelOptions(_options.ObservationCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <inheritdoc />
    public ChannelReader<KeyObservation> Observations => _observations.Reader;

    /// <summary>
    /// Completes when the first resync after start has scanned every loader pattern and queued each key it found for a
    /// TTL read; the observations of those keys follow shortly after.
    /// </summary>
    public Task InitialResync => _initialResync.Task;

    private readonly TaskCompletionSource _initialResync = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _redis.ConnectionRestored += OnConnectionRestored;
        _redis.ConfigurationChanged += OnConfigurationChanged;
        _redis.ConfigurationChangedBroadcast += OnConfigurationChanged;
        try
        {
            await SubscribeUntilConnectedAsync(stoppingToken).ConfigureAwait(false);
            _resyncRequests.Writer.TryWrite("start");
            await Task.WhenAll(
                ProbeLoopAsync(stoppingToken),
                ResyncLoopAsync(stoppingToken),
                PeriodicResyncAsync(stoppingToken),
                BeaconLoopAsync(stoppingToken)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _redis.ConnectionRestored -= OnConnectionRestored;
            _redis.ConfigurationChanged -= OnConfigurationChanged;
            _redis.ConfigurationChangedBroadcast -= OnConfigurationChanged;
            _observations.Writer.TryComplete();
        }
    }

    private async Task SubscribeAsync()
    {
        var subscriber = _redis.GetSubscriber();
        foreach (var prefix in DistinctPrefixes(_options.Patterns))
        {
            // KeySpacePrefix subscribes on every primary of a cluster, and the message is the event name.
            await subscriber.SubscribeAsync(RedisChannel.KeySpacePrefix(prefix, _options.Database), OnNotification).ConfigureAwait(false);
        }

        await subscriber.SubscribeAsync(BeaconChannel, OnBeaconNotification).ConfigureAwait(false);
    }

    private RedisChannel BeaconChannel => RedisChannel.KeySpacePrefix(WorkerKeys.BeaconPrefix(_input.KeyPrefix), _options.Database);

    // Redis may be down when the worker starts (or start after it): wait for it rather than fail the host.
    private async Task SubscribeUntilConnectedAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await SubscribeAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.WaitingForRedis(_logger, delay.TotalSeconds, ex);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = delay * 2 > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : delay * 2;
            }
        }
    }

    // After a server restart the client does not always restore these pattern subscriptions (seen with
    // StackExchange.Redis 3.4: the subscription connection came back with no PSUBSCRIBE on it). Every resync therefore
    // subscribes afresh before it scans, and the scan covers whatever was written in between.
    // The client subscribes a keyspace channel on its known primaries one after the other, so one that cannot be reached
    // (killed, its replica promoted) holds up, then fails, the subscription of the rest. While one is unreachable the
    // channels are left as they are: the client subscribes the nodes it discovers by itself, and the dance runs again
    // at the first resync after every primary is reachable.
    private async Task ResubscribeAsync()
    {
        if (_redis.GetServers().Any(s => !s.IsConnected && !s.IsReplica))
        {
            return;
        }

        var subscriber = _redis.GetSubscriber();
        foreach (var prefix in DistinctPrefixes(_options.Patterns))
        {
            await subscriber.UnsubscribeAsync(RedisChannel.KeySpacePrefix(prefix, _options.Database), OnNotification).ConfigureAwait(false);
        }

        await subscriber.UnsubscribeAsync(BeaconChannel, OnBeaconNotification).ConfigureAwait(false);

        await SubscribeAsync().ConfigureAwait(false);
    }

    private void OnNotification(RedisChannel channel, RedisValue message)
    {
        if (!KeyNotification.TryParse(in channel, in message, out var notification))
        {
            return;
        }

        var cause = CauseOf(notification.Type);
        if (cause is null)
        {
            return;
        }

        var key = (string?)notification.GetKey();
        if (key is null || !Matches(key))
        {
            return;
        }

        var scored = _model is not null && notification.Type == KeyNotificationType.Set && _hotKeys.AppWriteWeight > 0;
        if (!_toProbe.Writer.TryWrite(new ProbeItem(key, cause.Value, scored)))
        {
            // Falling behind: drop the detail and let a resync catch up, rather than grow without bound.
            _resyncRequests.Writer.TryWrite("backlog");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription || e.ConnectionType == ConnectionType.Interactive)
        {
            // The server may have restarted: its notification flags and its keys may be gone.
            _resyncRequests.Writer.TryWrite("reconnect");
        }
    }

    /// <summary>Asks for a resync (as after a reconnect); returns at once.</summary>
    public void RequestResync(string reason) => _resyncRequests.Writer.TryWrite(reason);

    private bool Matches(string key)
    {
        foreach (var pattern in _options.Patterns)
        {
            if (pattern.TryMatch(key, out _))
            {
                return true;
            }
        }

        return false;
    }

    private static KeyObservationCause? CauseOf(KeyNotificationType type) => type switch
    {
        KeyNotificationType.Unknown or KeyNotificationType.New or KeyNotificationType.Overwritten
            or KeyNotificationType.TypeChanged or KeyNotificationType.KeyMiss => null,
        KeyNotificationType.Expired => KeyObservationCause.Expired,
        KeyNotificationType.Evicted => KeyObservationCause.Evicted,
        KeyNotificationType.Del or KeyNotificationType.RenameFrom or KeyNotificationType.MoveFrom => KeyObservationCause.Deleted,
        _ => KeyObservationCause.Written,
    };

    // A prefix that starts with another one would deliver its events twice.
    internal static IEnumerable<string> DistinctPrefixes(IEnumerable<KeyPattern> patterns)
    {
        var prefixes = patterns.Select(p => p.LiteralPrefix).Distinct(StringComparer.Ordinal).OrderBy(p => p.Length).ToList();
        return prefixes.Where((p, i) => !prefixes.Take(i).Any(shorter => p.StartsWith(shorter, StringComparison.Ordinal)));
    }
}
