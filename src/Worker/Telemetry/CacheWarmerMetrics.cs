using System.Diagnostics.Metrics;
using CacheWarmer.HotKeyTracker.Hotness;

namespace CacheWarmer.Worker.Telemetry;

/// <summary>
/// Every instrument of the worker, created once from <see cref="IMeterFactory"/>. Prometheus names follow the
/// OpenTelemetry conversion: dots become underscores, counters end in <c>_total</c>, seconds in <c>_seconds</c>.
/// </summary>
public sealed class CacheWarmerMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "CacheWarmer";

    private readonly Counter<long> _refreshes;
    private readonly Histogram<double> _loadDuration;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _refreshLead;
    private readonly Histogram<double> _fireLag;
    private readonly Counter<long> _hotKeyExpirations;
    private readonly Counter<long> _leaseContended;
    private readonly Counter<long> _keyspaceEvents;
    private readonly Counter<long> _warmKeys;
    private readonly Counter<long> _valuesRefused;
    private readonly Counter<long> _pinCapacityReached;
    private int _managedKeys;
    private int _replicas = 1;

    /// <summary>Creates the instruments.</summary>
    public CacheWarmerMetrics(IMeterFactory meterFactory, HotKeyModel hotKeys)
    {
        var meter = meterFactory.Create(MeterName);
        _refreshes = meter.CreateCounter<long>("cachewarmer.refreshes", description: "Refresh attempts by loader and outcome.");
        // Bucket advice in seconds: the exporters' default buckets (0 to 10,000) are meant for milliseconds.
        _loadDuration = meter.CreateHistogram("cachewarmer.load.duration", "s", "Time to load one key from its source.", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        });
        _batchSize = meter.CreateHistogram("cachewarmer.load.batch_size", "{key}", "Keys loaded by one batch query (loaders with a BatchQuery).", advice: new InstrumentAdvice<long>
        {
            HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
        });
        _refreshLead = meter.CreateHistogram("cachewarmer.refresh.lead", "s", "Time left before expiry when a refreshed value landed.", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
        });
        _fireLag = meter.CreateHistogram("cachewarmer.refresh.fire_lag", "s", "How late a planned refresh started: waiting for a free slot, or a scheduler behind.", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        });
        _hotKeyExpirations = meter.CreateCounter<long>("cachewarmer.hot_key.expirations", description: "Managed keys that expired: misses the worker failed to prevent.");
        _leaseContended = meter.CreateCounter<long>("cachewarmer.lease.contended", description: "Refreshes that found another replica holding the lease.");
        _keyspaceEvents = meter.CreateCounter<long>("cachewarmer.keyspace.events", description: "Keyspace notifications received for loader keys, by event.");
        _warmKeys = meter.CreateCounter<long>("cachewarmer.warm_keys", description: "Keys warmed on demand or on a schedule, by trigger (http, schedule) and outcome.");
        _valuesRefused = meter.CreateCounter<long>("cachewarmer.values_refused", description: "Loaded values not written because they were larger than Refresh:MaxValueBytes, by loader.");
        _pinCapacityReached = meter.CreateCounter<long>("cachewarmer.pin_capacity.reached", description: "Times HotKeys:PinnedCapacity stopped keys being pinned, by source: pin (a key refused), ids (a warmup's Ids query cut short).");
        meter.CreateObservableCounter("cachewarmer.access_samples", () => hotKeys.SamplesCounted, description: "Access samples (key and count pairs) read from the sample stream.");
        meter.CreateObservableGauge("cachewarmer.managed_keys", () => Volatile.Read(ref _managedKeys), description: "Keys the worker keeps warm.");
        meter.CreateObservableGauge("cachewarmer.replicas", () => Volatile.Read(ref _replicas), description: "Live replicas, this one included, as its last heartbeat read them: the keys are shared among them.");
    }

    internal void Refresh(string loader, string outcome) =>
        _refreshes.Add(1, new KeyValuePair<string, object?>("loader", loader), new KeyValuePair<string, object?>("outcome", outcome));

    internal void LoadDuration(string loader, TimeSpan duration) =>
        _loadDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("loader", loader));

    internal void BatchSize(string loader, int keys) =>
        _batchSize.Record(keys, new KeyValuePair<string, object?>("loader", loader));

    internal void RefreshLead(string loader, TimeSpan lead) =>
        _refreshLead.Record(lead.TotalSeconds, new KeyValuePair<string, object?>("loader", loader));

    internal void FireLag(TimeSpan lag) => _fireLag.Record(Math.Max(lag.TotalSeconds, 0));

    internal void HotKeyExpired(string loader) =>
        _hotKeyExpirations.Add(1, new KeyValuePair<string, object?>("loader", loader));

    internal void LeaseContended() => _leaseContended.Add(1);

    internal void KeyspaceEvent(string name) => _keyspaceEvents.Add(1, new KeyValuePair<string, object?>("event", name));

    internal void WarmKey(string trigger, string outcome) =>
        _warmKeys.Add(1, new KeyValuePair<string, object?>("trigger", trigger), new KeyValuePair<string, object?>("outcome", outcome));

    internal void ValueRefused(string loader) => _valuesRefused.Add(1, new KeyValuePair<string, object?>("loader", loader));
    internal void PinCapacityReached(string source) => _pinCapacityReached.Add(1, new KeyValuePair<string, object?>("source", source));

    internal void ManagedKeys(int count) => Volatile.Write(ref _managedKeys, count);

    internal void Replicas(int count) => Volatile.Write(ref _replicas, count);
}
