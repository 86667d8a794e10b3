using System.Threading.Channels;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Hosting;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CacheWarmer.Worker.Keys;

/// <summary>
/// The set of keys the worker keeps warm and the next refresh of each. One loop owns this state and takes, in order,
/// what the tracker observes and what refreshes report, so no lock guards it. Until hot-key scoring exists, every
/// loader key with a TTL is managed.
/// </summary>
internal sealed partial class ManagedKeys(
    IKeyObservationSource observations,
    LoaderCatalog catalog,
    RefreshPlanner planner,
    LoadTimeEstimator estimator,
    RefreshScheduler scheduler,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ReplicaIdentity replica,
    IOptions<CacheWarmerOptions> options,
    ILogger<ManagedKeys> logger) : BackgroundService
{
    // A missing key is warmed within this much, at random, so a mass expiry does not load everything at one instant.
    private static readonly TimeSpan WarmSpread = TimeSpan.FromMilliseconds(250);

    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, ManagedKey> _keys = new(StringComparer.Ordinal);

    /// <summary>Called by the refresh job with each attempt's end.</summary>
    public void OnRefreshed(RefreshResult result) => _inbox.Writer.TryWrite(result);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var redis = options.Value.Redis;
        Log.Started(logger, replica.Id, catalog.Loaders.Count, redis.Database, redis.KeyPrefix);
        var pump = PumpObservationsAsync(stoppingToken);
        try
        {
            await foreach (var input in _inbox.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await (input switch
                    {
                        KeyObservation observation => OnObservedAsync(observation, stoppingToken),
                        RefreshResult result => OnRefreshedAsync(result, stoppingToken),
                        _ => ValueTask.CompletedTask,
                    }).ConfigureAwait(false);
                }
                catch (SchedulerException) when (lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    // The scheduler stops first at shutdown; refreshes that finish while it drains need no next cycle.
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.ScheduleFailed(logger, (input as RefreshResult)?.Key ?? ((KeyObservation)input).Key, ex);
                }

                metrics.ManagedKeys(_keys.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await pump.ConfigureAwait(false);
    }

    private async Task PumpObservationsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var observation in observations.Observations.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                _inbox.Writer.TryWrite(observation);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async ValueTask OnObservedAsync(KeyObservation observation, CancellationToken cancellationToken)
    {
        if (observation.Cause != KeyObservationCause.Resync)
        {
            metrics.KeyspaceEvent(EventLabel(observation.Cause));
        }

        var match = catalog.Match(observation.Key);
        if (match is null)
        {
            return;
        }

        var managed = _keys.TryGetValue(observation.Key, out var state);
        if (observation.ExpiresAt is { } expiresAt)
        {
            await PlanAsync(observation.Key, match.Loader, expiresAt, cancellationToken).ConfigureAwait(false);
        }
        else if (observation.Exists)
        {
            // An app made the key permanent: nothing to keep warm.
            await ForgetAsync(observation.Key, cancellationToken).ConfigureAwait(false);
        }
        else if (managed && state!.FireAt > time.GetUtcNow() + WarmSpread)
        {
            // A managed key is gone (expired, evicted, deleted, or Redis came back empty): warm it now. Whoever warms it
            // counts the miss when Redis expired or evicted it.
            var missed = observation.Cause is KeyObservationCause.Expired or KeyObservationCause.Evicted;
            await ScheduleAsync(observation.Key, match.Loader, null, time.GetUtcNow() + Spread(), cancellationToken, missed).ConfigureAwait(false);
        }
    }

    private async ValueTask OnRefreshedAsync(RefreshResult result, CancellationToken cancellationToken)
    {
        if (!_keys.TryGetValue(result.Key, out var state))
        {
            return;
        }

        if (result.Outcome is RefreshOutcome.NoValue or RefreshOutcome.NotManaged)
        {
            await ForgetAsync(result.Key, cancellationToken).ConfigureAwait(false);
        }
        else if (result.RetryAt is { } retryAt)
        {
            await ScheduleAsync(result.Key, state.Loader, result.ExpiresAt, retryAt, cancellationToken).ConfigureAwait(false);
        }
        else if (result.ExpiresAt is { } expiresAt)
        {
            await PlanAsync(result.Key, state.Loader, expiresAt, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask PlanAsync(string key, Loader loader, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(key, out var state) && state.Expiry is { } planned &&
            (expiresAt - planned).Duration() <= Refresher.FreshTolerance && state.FireAt > time.GetUtcNow())
        {
            // Already planned against this expiry (typically the echo of the worker's own write).
            return ValueTask.CompletedTask;
        }

        var fireAt = planner.FireAt(expiresAt, estimator.Estimate(loader.Name));
        return ScheduleAsync(key, loader, expiresAt, fireAt, cancellationToken);
    }

    private async ValueTask ScheduleAsync(string key, Loader loader, DateTimeOffset? expiry, DateTimeOffset fireAt, CancellationToken cancellationToken, bool missed = false)
    {
        _keys[key] = new ManagedKey(loader, expiry, fireAt);
        await scheduler.ScheduleAsync(key, fireAt, expiry, missed, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask ForgetAsync(string key, CancellationToken cancellationToken)
    {
        if (_keys.Remove(key))
        {
            await scheduler.UnscheduleAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    // Constant labels: this runs for every keyspace event.
    private static string EventLabel(KeyObservationCause cause) => cause switch
    {
        KeyObservationCause.Expired => "expired",
        KeyObservationCause.Evicted => "evicted",
        KeyObservationCause.Deleted => "deleted",
        _ => "written",
    };

    private static TimeSpan Spread() => TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * WarmSpread.Ticks));

    private sealed record ManagedKey(Loader Loader, DateTimeOffset? Expiry, DateTimeOffset FireAt);
}
