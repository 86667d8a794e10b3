using System.Globalization;

namespace CacheWarmer.SchedulerBench;

/// <summary>
/// One scrape of a replica's <c>/metrics</c> (Prometheus text as the OpenTelemetry exporter writes it): the samples
/// the replicas part reads, summed over label sets. A metric the replica never recorded is absent, and reads as 0.
/// </summary>
internal sealed class MetricsScrape
{
    public const string Refreshes = "cachewarmer_refreshes_total";
    public const string LeaseContended = "cachewarmer_lease_contended_total";
    public const string Expirations = "cachewarmer_hot_key_expirations_total";
    public const string ManagedKeys = "cachewarmer_managed_keys";
    public const string FireLag = "cachewarmer_refresh_fire_lag_seconds";

    /// <summary>No samples: the baseline of a replica that starts during the measured window.</summary>
    public static readonly MetricsScrape Empty = new([], new LagHistogram([], []));

    private readonly Dictionary<string, double> _values;

    private MetricsScrape(Dictionary<string, double> values, LagHistogram lag)
    {
        _values = values;
        Lag = lag;
    }

    /// <summary>Refresh attempts by outcome (<c>cachewarmer_refreshes_total</c> summed over loaders).</summary>
    public IReadOnlyDictionary<string, double> Outcomes => _values
        .Where(v => v.Key.StartsWith(Refreshes + "|", StringComparison.Ordinal))
        .ToDictionary(v => v.Key[(Refreshes.Length + 1)..], v => v.Value, StringComparer.Ordinal);

    /// <summary>The fire-lag histogram, cumulative counts per upper bound.</summary>
    public LagHistogram Lag { get; }

    public double Value(string name) => _values.GetValueOrDefault(name);

    public static MetricsScrape Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var buckets = new SortedDictionary<double, double>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var close = brace < 0 ? -1 : line.LastIndexOf('}');
            var name = brace < 0 ? line[..line.IndexOf(' ', StringComparison.Ordinal)] : line[..brace];
            var labels = brace < 0 ? "" : line[(brace + 1)..close];
            var rest = (close < 0 ? line[name.Length..] : line[(close + 1)..]).Trim().Split(' ');
            if (!double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            switch (name)
            {
                case Refreshes:
                    Add(values, Refreshes + "|" + (Label(labels, "outcome") ?? "?"), value);
                    break;
                case LeaseContended or Expirations or ManagedKeys:
                    Add(values, name, value);
                    break;
                case FireLag + "_bucket":
                    var le = Label(labels, "le");
                    var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le!, CultureInfo.InvariantCulture);
                    buckets[bound] = buckets.GetValueOrDefault(bound) + value;
                    break;
                case FireLag + "_sum" or FireLag + "_count":
                    Add(values, name, value);
                    break;
                default:
                    break;
            }
        }

        return new MetricsScrape(values, new LagHistogram([.. buckets.Keys], [.. buckets.Values]));
    }

    /// <summary>What happened between <paramref name="start"/> and this scrape.</summary>
    public MetricsScrape Since(MetricsScrape start) => new(
        _values.ToDictionary(v => v.Key, v => v.Value - start._values.GetValueOrDefault(v.Key), StringComparer.Ordinal),
        Lag.Since(start.Lag));

    /// <summary>Counters of several replicas added up (the managed-keys gauge too: keys tracked, counted per replica).</summary>
    public static MetricsScrape Sum(IEnumerable<MetricsScrape> scrapes)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var lag = new LagHistogram([], []);
        foreach (var scrape in scrapes)
        {
            foreach (var (key, value) in scrape._values)
            {
                Add(values, key, value);
            }

            lag = lag.Plus(scrape.Lag);
        }

        return new MetricsScrape(values, lag);
    }

    private static void Add(Dictionary<string, double> values, string key, double value) =>
        values[key] = values.GetValueOrDefault(key) + value;

    private static string? Label(string labels, string name)
    {
        var at = labels.IndexOf(name + "=\"", StringComparison.Ordinal);
        while (at > 0 && labels[at - 1] != ',' && labels[at - 1] != ' ')
        {
            at = labels.IndexOf(name + "=\"", at + 1, StringComparison.Ordinal);
        }

        if (at < 0)
        {
            return null;
        }

        var from = at + name.Length + 2;
        return labels[from..labels.IndexOf('"', from)];
    }
}

/// <summary>A Prometheus histogram: upper bounds (seconds, the last +Inf) and cumulative counts.</summary>
internal sealed record LagHistogram(double[] Bounds, double[] Cumulative)
{
    public double Count => Cumulative.Length == 0 ? 0 : Cumulative[^1];

    /// <summary>
    /// The upper bound of the bucket the <paramref name="quantile"/> falls in (seconds; +Inf beyond the last bound;
    /// NaN with no observations): the histogram cannot say more than that.
    /// </summary>
    public double QuantileBound(double quantile)
    {
        if (Count <= 0)
        {
            return double.NaN;
        }

        var rank = quantile * Count;
        for (var i = 0; i < Bounds.Length; i++)
        {
            if (Cumulative[i] >= rank)
            {
                return Bounds[i];
            }
        }

        return double.PositiveInfinity;
    }

    public LagHistogram Since(LagHistogram start) => Combine(start, -1);

    public LagHistogram Plus(LagHistogram other) => Combine(other, 1);

    private LagHistogram Combine(LagHistogram other, int sign)
    {
        var bounds = Bounds.Union(other.Bounds).Order().ToArray();
        var counts = bounds.Select(b => At(b) + (sign * other.At(b))).ToArray();
        return new LagHistogram(bounds, counts);
    }

    // The cumulative count at a bound: the histograms compared here share their bounds, or one of them is empty.
    private double At(double bound)
    {
        var i = Array.IndexOf(Bounds, bound);
        return i < 0 ? 0 : Cumulative[i];
    }
}
