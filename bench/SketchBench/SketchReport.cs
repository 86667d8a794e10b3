using System.Globalization;
using System.Text;
using CacheWarmer.RefreshBench;

namespace CacheWarmer.SketchBench;

/// <summary>Everything one run measured, rendered as markdown tables.</summary>
internal sealed record SketchReport
{
    public required BenchOptions Options { get; init; }

    public required RunEnvironment Machine { get; init; }

    public required string LoadAverageBefore { get; init; }

    public required string LoadAverageAfter { get; init; }

    public required int DistinctSeen { get; init; }

    /// <summary>Updates per second of every repetition, by contender.</summary>
    public required IReadOnlyDictionary<string, Rate[]> Rates { get; init; }

    public required IReadOnlyDictionary<int, long> SketchBytes { get; init; }

    public required long ExactBytes { get; init; }

    public required IReadOnlyDictionary<int, Accuracy> Accuracy { get; init; }

    public required TimeSpan Total { get; init; }

    public string Markdown()
    {
        var o = Options;
        var capacities = o.Capacities;
        var text = new StringBuilder();
        Line(text, "| Setup | |");
        Line(text, "|---|---|");
        Row(text, "Command", $"`{o.CommandLine()}`");
        Row(text, "Machine", $"{Machine.Cores} cores ({Machine.Cpu}), {Machine.Os}; 1-min load average {LoadAverageBefore} before, {LoadAverageAfter} after");
        Row(text, "Runtime", $"{Machine.Dotnet}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, one thread");
        Row(text, "Stream", $"{o.Updates:N0} keys from Zipf({o.Exponent}) over {o.Distinct:N0} ({DistinctSeen:N0} distinct drawn), seed {o.Seed}; strings created before timing");
        Row(text, "Sketch", $"HalfLife {o.HalfLife.TotalMinutes:0} min; Add(key, 1, at) with at advancing 1 ms every {o.PerTimestamp} updates");
        Row(text, "Repetitions", $"{o.Repetitions} timed passes per contender, interleaved, after one warm-up pass of 1M updates; median (min – max) of updates/s by the wall clock, and by the process's user CPU time (which leaves out time the host gave to other guests)");
        Row(text, "Run time", $"{Total.TotalSeconds:0} s");
        Line(text, string.Empty);

        Line(text, $"| | {string.Join(" | ", capacities.Select(c => $"Capacity {c:N0}"))} | exact `Dictionary<string, double>` |");
        Line(text, $"|---|{string.Concat(capacities.Select(_ => "---|"))}---|");
        Line(text, $"| Ingest, M updates/s | {string.Join(" | ", capacities.Select(c => Wall(Rates[$"sketch {c}"])))} | {Wall(Rates["exact"])} |");
        Line(text, $"| Ingest by CPU time, M updates/s | {string.Join(" | ", capacities.Select(c => Cpu(Rates[$"sketch {c}"])))} | {Cpu(Rates["exact"])} |");
        Line(text, $"| Relative to the exact counter (median of the per-repetition ratios) | {string.Join(" | ", capacities.Select(c => Ratio(RatioTo(Rates[$"sketch {c}"], Rates["exact"]))))} | 1 |");
        Line(text, $"| Ingest with a new time every update, M updates/s | {string.Join(" | ", capacities.Select(c => Wall(Rates[$"sketch {c}, new time every update"])))} | - |");
        Line(text, $"| Memory, every counter in use (key strings included) | {string.Join(" | ", capacities.Select(c => Mb(SketchBytes[c])))} | {Mb(ExactBytes)} for {capacities[0]:N0} keys |");
        Line(text, $"| Recall of the true top {o.TopK:N0} in Top({o.TopK:N0}) | {string.Join(" | ", capacities.Select(c => Ratio(Accuracy[c].Recall)))} | 1 |");
        Line(text, $"| True top {o.TopK:N0} tracked at all | {string.Join(" | ", capacities.Select(c => Ratio(Accuracy[c].TrueTopTracked)))} | 1 |");
        Line(text, $"| Largest over-count in the true top {o.TopK:N0} / bound N/Capacity (reads) | {string.Join(" | ", capacities.Select(c => $"{Accuracy[c].MaxOverCount:0} / {Accuracy[c].Bound:0}"))} | 0 |");
        Line(text, $"| {o.TopK:N0}th true count (reads) | {string.Join(" | ", capacities.Select(c => Accuracy[c].CountAtK.ToString("N0", CultureInfo.InvariantCulture)))} | |");
        return text.ToString();
    }

    /// <summary>Interleaved passes see the same noise, so their ratio is steadier than either rate.</summary>
    private static double RatioTo(Rate[] rates, Rate[] reference) => Median(rates.Zip(reference, (a, b) => a.Wall / b.Wall).ToArray());

    private static string Ratio(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Wall(Rate[] rates) => Summary(rates.Select(r => r.Wall).ToArray());

    private static string Cpu(Rate[] rates) => Summary(rates.Select(r => r.Cpu).ToArray());

    private static string Summary(double[] values) =>
        string.Create(CultureInfo.InvariantCulture, $"**{Median(values) / 1e6:0.00}** ({values.Min() / 1e6:0.00} – {values.Max() / 1e6:0.00})");

    private static void Row(StringBuilder text, string name, string value) => Line(text, $"| {name} | {value} |");

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
