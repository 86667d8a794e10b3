using System.Globalization;
using System.Text;
using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Scenarios;

namespace CacheWarmer.StampedeLab.Report;

/// <summary>The bursts and warmup scenarios in results.md: the load line, the table, the progress line.</summary>
internal static class SpikeMarkdown
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string LoadLine(LabOptions o) => o.Scenario == LabScenario.Bursts
        ? string.Create(Invariant, $"| Load | one key; a cold burst of {o.Requests:N0} readers in {o.Replicas} process(es), then {o.Bursts} bursts, each {ExpiryScenario.AfterExpiry.TotalMilliseconds:0} ms after the key expired; nothing read between bursts |")
        : string.Create(Invariant, $"| Load | {o.Keys:N0} keys not in Redis; a warmup fires {o.Lead.TotalSeconds:0.###} s before a spike of {o.Requests:N0} readers in {o.Replicas} process(es), reader n reading key 1 + n mod {o.Keys:N0} |");

    public static void Table(StringBuilder md, IReadOnlyList<SpikeOutcome> outcomes)
    {
        if (outcomes.Count == 0)
        {
            return;
        }

        md.AppendLine("| Strategy | Reader queries at the bursts (per burst) | Worker queries ahead of them | by worker (run) | Misses seen | of them stale | p50 ms | p99 ms | max ms | Errors | Wrong values | Worker's last load (ms to the spike) |");
        md.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var s in outcomes)
        {
            var last = s.LastWorkerLoadMs is { } ms ? ms.ToString("+0;-0", Invariant) : "–";
            md.AppendLine(Invariant, $"| {s.Strategy} | {s.ReaderQueries:N0} ({string.Join(" / ", s.ReaderQueriesPerBurst)}) | {s.QueriesAhead:N0} | {s.QueriesByWorker:N0} | {s.Misses:N0} of {s.Requests:N0} | {s.Stale:N0} | {Ms(s, 0.5)} | {Ms(s, 0.99)} | {Ms(s, 1)} | {s.Errors:N0} | {s.Wrong:N0} | {last} |");
        }

        md.AppendLine();
        md.AppendLine("Backend queries around each burst, ms relative to its start, and who ran them:").AppendLine();
        foreach (var s in outcomes)
        {
            md.AppendLine(Invariant, $"- {s.Strategy}: {string.Join("; ", s.Timeline)}");
        }

        md.AppendLine();
        foreach (var s in outcomes.Where(s => s.FirstError is not null))
        {
            md.AppendLine(Invariant, $"- {s.Strategy}: first error: {s.FirstError}");
        }

        md.AppendLine();
    }

    public static string Line(SpikeOutcome s) => string.Create(
        Invariant,
        $"{s.Strategy}: {s.ReaderQueries} reader queries at the bursts ({string.Join(" / ", s.ReaderQueriesPerBurst)}), {s.QueriesAhead} ahead, {s.Misses}/{s.Requests} misses ({s.Stale} stale), p99 {Ms(s, 0.99)} ms, {s.Errors} errors, {s.Wrong} wrong");

    private static string Ms(SpikeOutcome s, double p) =>
        s.Latencies.Length == 0 ? "–" : (p >= 1 ? Stats.Max(s.Latencies) : Stats.Percentile(s.Latencies, p)).ToString("0", Invariant);
}
