using System.Globalization;
using System.Text;

namespace CacheWarmer.RefreshBench;

/// <summary>Everything one run measured, rendered as markdown tables.</summary>
internal sealed record BenchReport
{
    public required BenchOptions Options { get; init; }

    public required RunEnvironment Machine { get; init; }

    public required string RedisVersion { get; init; }

    public required string PostgresVersion { get; init; }

    public required string LoadAverageBefore { get; init; }

    public required string LoadAverageAfter { get; init; }

    public required LoadAnalysis Loads { get; init; }

    public required long LoadAttempts { get; init; }

    public required IReadOnlyDictionary<string, long> Outcomes { get; init; }

    public required long LeaseContended { get; init; }

    public required long HotKeyExpirations { get; init; }

    public required Sample[] Leads { get; init; }

    public required Sample[] LoadDurations { get; init; }

    public required int ExpiredEvents { get; init; }

    public required int ExpiredKeys { get; init; }

    public required TimeSpan? FirstExpired { get; init; }

    public required long Misses { get; init; }

    public required int MissingKeys { get; init; }

    public required TimeSpan? FirstMiss { get; init; }

    public required long Polls { get; init; }

    public required TimeSpan SlowestPoll { get; init; }

    public required TimeSpan Measured { get; init; }

    public required TimeSpan Total { get; init; }

    /// <summary>The invariants the run checks: no two loads of a key in one cycle, no miss seen by readers.</summary>
    public bool Holds => Loads.ClosePairs == 0 && Misses == 0 && ExpiredEvents == 0 && Loads.KeysLoaded == Options.Keys;

    public string Markdown()
    {
        var o = Options;
        var text = new StringBuilder();
        Line(text, "| Setup | |");
        Line(text, "|---|---|");
        Row(text, "Command", $"`{o.CommandLine()}`");
        Row(text, "Machine", $"{Machine.Cores} cores ({Machine.Cpu}), {Machine.Os}; 1-min load average {LoadAverageBefore} before, {LoadAverageAfter} after");
        Row(text, "Versions", $"Redis {RedisVersion}, PostgreSQL {PostgresVersion}, {Machine.Dotnet}");
        Row(text, "Replicas / keys", $"{o.Replicas} worker hosts in one process / {o.Keys} keys `product:{{id}}`");
        Row(text, "Timing", $"Ttl {S(o.Ttl)} + jitter up to {S(o.TtlJitter)}, Buffer {S(o.Buffer)}, LeaseTtl {S(o.LeaseTtl)}, Beta 1, load = pg_sleep {o.LoadMilliseconds} ms{(o.Batch ? " per query, batched (BatchQuery load_products(@ids))" : string.Empty)}");
        Row(text, "Run", $"{o.Cycles} TTLs after the app wrote the keys ({S(o.Duration)}); EXISTS of every key polled every {o.PollInterval.TotalMilliseconds:0} ms");
        Line(text, string.Empty);

        Line(text, "| Result | Value |");
        Line(text, "|---|---|");
        Row(text, "Database loads", $"{Loads.Total:N0} successful, {LoadAttempts:N0} attempts");
        Row(text, $"Pairs of loads of one key < {S(o.SameCycleWindow)} apart (must be 0)", $"{Loads.ClosePairs}{(Loads.ClosePairs > 0 ? " (listed below)" : "")}");
        Row(text, "Max loads of one key in one cycle", Loads.MaxInOneCycle.ToString(CultureInfo.InvariantCulture));
        Row(text, "Loads per key per TTL elapsed (mean)", $"{Loads.MeanPerKeyPerTtl:0.00}");
        Row(text, "Loads per key (min / max); keys loaded", $"{Loads.MinPerKey} / {Loads.MaxPerKey}; {Loads.KeysLoaded} of {o.Keys}");
        Row(text, "Interval between loads of a key (min / p50 / max)", $"{Stats.Min(Loads.Intervals):0.00} / {Stats.Percentile(Loads.Intervals, 0.5):0.00} / {Stats.Max(Loads.Intervals):0.00} s");
        var first = Loads.FirstLoads;
        Row(text, "First cycle (all keys written at once): first load of each key, earliest / p50 / last", first.Length == 0
            ? "-"
            : $"{Stats.Min(first):0.00} / {Stats.Percentile(first, 0.5):0.00} / {Stats.Max(first):0.00} s; {first.Count(t => t < o.Ttl.TotalSeconds):N0} of {o.Keys:N0} keys before the app's TTL ran out ({S(o.Ttl)})");
        Row(text, "Peak database loads in one second", $"{Loads.PeakPerSecond:N0} (second {Loads.PeakSecond} after the app's write)");
        Row(text, "Loads by replica", string.Join(", ", Loads.ByReplica.Select(r => $"{r.Key} {r.Value:N0}")));
        Row(text, "Refreshes by outcome", Outcomes.Count == 0 ? "none" : string.Join(", ", Outcomes.Select(x => $"{x.Key} {x.Value:N0}")));
        Row(text, "Lease contended", LeaseContended.ToString("N0", CultureInfo.InvariantCulture));
        var leads = Sorted(Leads, _ => true);
        var laterLeads = Sorted(Leads, s => s.At >= o.Ttl);
        Row(text, "Refresh lead p50 / p90 / p99 / min (max)", $"{Ms(Stats.Percentile(leads, 0.5))} / {Ms(Stats.Percentile(leads, 0.9))} / {Ms(Stats.Percentile(leads, 0.99))} / {Ms(Stats.Min(leads))} ({Ms(Stats.Max(leads))}) ms, {leads.Length:N0} samples");
        Row(text, "Refresh lead after the first TTL p50 / p99 / max", $"{Ms(Stats.Percentile(laterLeads, 0.5))} / {Ms(Stats.Percentile(laterLeads, 0.99))} / {Ms(Stats.Max(laterLeads))} ms");
        // A refresh landing this early starts a cycle shorter than SameCycleWindow: the lead row of a close pair.
        var early = Leads.Where(s => TimeSpan.FromSeconds(s.Value) > o.Ttl - o.SameCycleWindow).ToArray();
        Row(text, $"Refreshes landing more than {S(o.Ttl - o.SameCycleWindow)} before expiry", early.Length == 0
            ? "0"
            : $"{early.Length} (lead {string.Join(", ", early.Take(8).Select(e => $"{e.Value:0.000} s at {e.At.TotalSeconds:0.0} s"))})");
        var loads = Sorted(LoadDurations, _ => true);
        var firstLoads = Sorted(LoadDurations, s => s.At < o.Ttl);
        var laterLoads = Sorted(LoadDurations, s => s.At >= o.Ttl);
        Row(text, "Load time p50 / p99 (worker-measured)", $"{Ms(Stats.Percentile(loads, 0.5))} / {Ms(Stats.Percentile(loads, 0.99))} ms, {loads.Length:N0} samples");
        Row(text, "Load time p50 / p99 / max: first TTL; after", $"{Ms(Stats.Percentile(firstLoads, 0.5))} / {Ms(Stats.Percentile(firstLoads, 0.99))} / {Ms(Stats.Max(firstLoads))} ms; {Ms(Stats.Percentile(laterLoads, 0.5))} / {Ms(Stats.Percentile(laterLoads, 0.99))} / {Ms(Stats.Max(laterLoads))} ms");
        Row(text, "Expired events (data keys)", $"{ExpiredEvents} ({ExpiredKeys} keys){At(FirstExpired)}");
        Row(text, "Misses seen by polling", $"{Misses} ({MissingKeys} keys){At(FirstMiss)}; {Polls:N0} polls, slowest {SlowestPoll.TotalMilliseconds:0} ms");
        Row(text, "Hot-key expirations (worker's own count)", HotKeyExpirations.ToString(CultureInfo.InvariantCulture));
        Row(text, "Measured / total run time", $"{S(Measured)} / {S(Total)}");
        Row(text, "Refreshed per second (context)", $"{Outcomes.GetValueOrDefault("refreshed") / Measured.TotalSeconds:0.0}");
        Row(text, "Verdict", Holds ? "one load per key per cycle, no miss" : "**invariant broken** (see the rows above)");
        if (Loads.ClosePairDetails.Count > 0)
        {
            Line(text, string.Empty);
            Line(text, $"Loads of one key closer than {S(o.SameCycleWindow)} (times since the app wrote the keys; the {Loads.ClosePairDetails.Count} closest of {Loads.ClosePairs}):");
            Line(text, string.Empty);
            foreach (var pair in Loads.ClosePairDetails)
            {
                Line(text, "- " + pair);
            }
        }

        return text.ToString();
    }

    private static double[] Sorted(Sample[] samples, Func<Sample, bool> where)
    {
        var values = samples.Where(where).Select(s => s.Value).ToArray();
        Array.Sort(values);
        return values;
    }

    private static string S(TimeSpan value) => value.TotalSeconds.ToString("0.0##", CultureInfo.InvariantCulture) + " s";

    private static string Ms(double seconds) => double.IsNaN(seconds) ? "-" : (seconds * 1000).ToString("0", CultureInfo.InvariantCulture);

    private static string At(TimeSpan? first) => first is { } t ? $", first at {t.TotalSeconds:0.0} s" : "";

    private static void Row(StringBuilder text, string name, string value) => Line(text, $"| {name} | {value} |");

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
