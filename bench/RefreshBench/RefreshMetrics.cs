using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CacheWarmer.Worker.Telemetry;

namespace CacheWarmer.RefreshBench;

/// <summary>
/// Listens to the "CacheWarmer" meter of every worker host in this process (each host has its own meter of that
/// name) and keeps the counters by tag and every histogram measurement.
/// </summary>
internal sealed class RefreshMetrics : IDisposable
{
    private const string Refreshes = "cachewarmer.refreshes";
    private const string RefreshLead = "cachewarmer.refresh.lead";
    private const string LoadDuration = "cachewarmer.load.duration";
    private const string LeaseContended = "cachewarmer.lease.contended";
    private const string HotKeyExpirations = "cachewarmer.hot_key.expirations";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock;
    private readonly List<Sample> _leads = [];
    private readonly List<Sample> _loads = [];
    private long _leaseContended;
    private long _hotKeyExpirations;

    /// <summary>Listens from now on; histogram samples are stamped with <paramref name="clock"/>'s elapsed time.</summary>
    public RefreshMetrics(Stopwatch clock)
    {
        _clock = clock;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CacheWarmerMetrics.MeterName
                && instrument.Name is Refreshes or RefreshLead or LoadDuration or LeaseContended or HotKeyExpirations)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.Start();
    }

    public long LeaseContendedCount => Interlocked.Read(ref _leaseContended);

    public long HotKeyExpirationCount => Interlocked.Read(ref _hotKeyExpirations);

    /// <summary>Refreshes so far by outcome tag.</summary>
    public IReadOnlyDictionary<string, long> Outcomes => new SortedDictionary<string, long>(_outcomes, StringComparer.Ordinal);

    public long Outcome(string outcome) => _outcomes.GetValueOrDefault(outcome);

    /// <summary>Every refresh lead recorded, in seconds, in order.</summary>
    public Sample[] Leads() => Copy(_leads);

    /// <summary>Every load duration recorded, in seconds, in order.</summary>
    public Sample[] LoadDurations() => Copy(_loads);

    public void Dispose() => _listener.Dispose();

    private static Sample[] Copy(List<Sample> values)
    {
        lock (values)
        {
            return [.. values];
        }
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case Refreshes:
                var outcome = "?";
                foreach (var tag in tags)
                {
                    if (tag.Key == "outcome")
                    {
                        outcome = tag.Value?.ToString() ?? "?";
                    }
                }

                _outcomes.AddOrUpdate(outcome, value, (_, n) => n + value);
                break;
            case LeaseContended:
                Interlocked.Add(ref _leaseContended, value);
                break;
            case HotKeyExpirations:
                Interlocked.Add(ref _hotKeyExpirations, value);
                break;
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var target = instrument.Name switch
        {
            RefreshLead => _leads,
            LoadDuration => _loads,
            _ => null,
        };
        if (target is not null)
        {
            lock (target)
            {
                target.Add(new Sample(_clock.Elapsed, value));
            }
        }
    }
}

/// <summary>One histogram measurement and when it was taken (time since the app wrote its keys).</summary>
internal readonly record struct Sample(TimeSpan At, double Value);
