using System.Globalization;
using System.Text;
using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Scenarios;
using CacheWarmer.StampedeLab.Strategies;

namespace CacheWarmer.StampedeLab.Report;

/// <summary>The run as markdown (results.md, and the table printed at the end), and the one-line progress summaries.</summary>
internal static class LabMarkdown
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Write(LabReport report, string? expiryChart = null, string? zipfChart = null)
    {
        var o = report.Options;
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"# StampedeLab: {o.Scenario.ToString().ToLowerInvariant()}").AppendLine();
        md.AppendLine("| Setup | |").AppendLine("|---|---|");
        md.AppendLine(Invariant, $"| Command | `{CommandLine(o)}` |");
        md.AppendLine(Invariant, $"| Machine | {report.Machine.Cores} cores ({report.Machine.Cpu}), {report.Machine.Os}; 1-min load average {report.LoadAverageBefore} before, {report.LoadAverageAfter} after |");
        md.AppendLine(Invariant, $"| Versions | Redis {report.RedisVersion}, PostgreSQL {report.PostgresVersion}, {report.Machine.Dotnet} |");
        md.AppendLine(Invariant, $"| Backend | `load_product(id, {o.BackendDelay.TotalSeconds:0.###})`: pg_sleep {o.BackendDelay.TotalMilliseconds:0} ms, each load counted in the database's `loads` table |");
        md.AppendLine(Invariant, $"| Cache | TTL {o.Ttl.TotalSeconds:0.###} s; lock: timeout {LockStrategy.LockTimeout.TotalSeconds:0} s, {LockStrategy.MaxRetries} retries from {LockStrategy.BaseDelay.TotalMilliseconds:0} ms doubling; fusioncache: eager refresh at {FusionCacheStrategy.EagerRefreshThreshold:0.##}; fusioncache-full: also fail-safe, soft timeout {FusionCacheFullOptions.FactorySoftTimeout.TotalMilliseconds:0} ms, hard {FusionCacheFullOptions.FactoryHardTimeout(o.BackendDelay).TotalSeconds:0.###} s, backplane, distributed locker; cachewarmer: Buffer {o.WorkerBuffer.TotalSeconds:0.###} s, LeaseTtl {o.WorkerLeaseTtl.TotalSeconds:0.###} s, TtlJitter 0 |");
        if (o.Scenario == LabScenario.Expiry)
        {
            md.AppendLine(Invariant, $"| Load | {o.Requests:N0} readers in {o.Replicas} process(es) arrive {ExpiryScenario.AfterExpiry.TotalMilliseconds:0} ms after the key expires; before that each process reads it every 100 ms from a cold start |");
        }
        else if (o.Scenario != LabScenario.Zipf)
        {
            md.AppendLine(SpikeMarkdown.LoadLine(o));
        }
        else
        {
            md.AppendLine(Invariant, $"| Load | Zipf(1.1) over {o.Keys:N0} keys, {o.Rate:N0} reads/s in {o.Replicas} process(es), {o.Duration.TotalSeconds:0} s per strategy |");
        }

        md.AppendLine(Invariant, $"| Run | {(o.Parallel ? "strategies at the same time" : "strategies one after another")}{(o.Flush ? ", FLUSHDB before each" : "")}; {report.Elapsed.TotalSeconds:0} s in all |").AppendLine();
        if (report.Expiry.Count > 0)
        {
            md.AppendLine("| Strategy | Backend queries (expiry) | by readers / worker | Backend queries (run, with warm-up) | Coalescing | Misses seen | p50 ms | p95 ms | p99 ms | max ms | Timeouts | Errors | Wrong values |");
            md.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var e in report.Expiry)
            {
                md.AppendLine(Invariant, $"| {e.Strategy} | {e.Queries:N0} | {e.QueriesByReaders:N0} / {e.QueriesByWorker:N0} | {e.QueriesTotal:N0} | {e.Coalescing:P1} | {e.Misses:N0} of {e.Requests:N0} | {Ms(e, 0.50)} | {Ms(e, 0.95)} | {Ms(e, 0.99)} | {Ms(e, 1)} | {e.Timeouts:N0} | {e.Errors:N0} | {e.Wrong:N0} |");
            }

            md.AppendLine();
            md.AppendLine("Backend queries by the time they ended, ms relative to the expiry instant (negative = before it), and who ran them:").AppendLine();
            foreach (var e in report.Expiry)
            {
                var warmup = e.Timeline.Count(t => t.AtMs < e.WarmupEndMs);
                var after = e.Timeline.Where(t => t.AtMs >= e.WarmupEndMs).ToList();
                var shown = after.Take(12).Select(t => string.Create(Invariant, $"{t.AtMs:+0;-0} {t.Who}"));
                md.AppendLine(Invariant, $"- {e.Strategy}: warm-up {warmup} (cold cache); then {(after.Count == 0 ? "none" : string.Join(", ", shown))}{(after.Count > 12 ? string.Create(Invariant, $", … ({after.Count} in all, last at {after[^1].AtMs:+0;-0})") : "")}");
            }

            md.AppendLine();
            foreach (var e in report.Expiry.Where(e => e.FirstError is not null))
            {
                md.AppendLine(Invariant, $"- {e.Strategy}: first error: {e.FirstError}");
            }
        }

        SpikeMarkdown.Table(md, report.Spikes);
        if (report.Zipf.Count > 0)
        {
            md.AppendLine("| Strategy | Reads | Hit ratio | Misses seen | Hit ratio after the first TTL | Misses after the first TTL | Backend queries | by worker | Backend queries/s (mean / peak) | Errors | Wrong values |");
            md.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var z in report.Zipf)
            {
                md.AppendLine(Invariant, $"| {z.Strategy} | {z.Reads:N0} | {z.HitRatio:P2} | {z.Misses:N0} | {z.HitRatioAfterFirstTtl:P2} | {z.MissesAfterFirstTtl:N0} | {z.Queries:N0} | {z.QueriesByWorker:N0} | {z.Queries / z.Seconds:0.0} / {z.QueriesPerSecond.DefaultIfEmpty().Max():N0} | {z.Errors:N0} | {z.Wrong:N0} |");
            }

            md.AppendLine();
            foreach (var z in report.Zipf.Where(z => z.FirstError is not null))
            {
                md.AppendLine(Invariant, $"- {z.Strategy}: first error: {z.FirstError}");
            }

            md.AppendLine();
        }

        foreach (var chart in new[] { expiryChart, zipfChart }.Where(c => c is not null))
        {
            md.AppendLine(Invariant, $"![chart]({chart})").AppendLine();
        }

        return md.ToString();
    }

    public static string CommandLine(LabOptions o)
    {
        var line = new StringBuilder("dotnet run -c Release --project bench/StampedeLab --");
        line.Append(Invariant, $" --scenario {o.Scenario.ToString().ToLowerInvariant()} --strategy {string.Join(",", o.Strategies)} --replicas {o.Replicas}");
        line.Append(Invariant, $" --backend-delay {o.BackendDelay.TotalSeconds:0.###} --ttl {o.Ttl.TotalSeconds:0.###}");
        line.Append(o.Scenario switch
        {
            LabScenario.Expiry => string.Create(Invariant, $" --requests {o.Requests}"),
            LabScenario.Bursts => string.Create(Invariant, $" --requests {o.Requests} --bursts {o.Bursts}"),
            LabScenario.Warmup => string.Create(Invariant, $" --requests {o.Requests} --keys {o.Keys} --lead {o.Lead.TotalSeconds:0.###}"),
            _ => string.Create(Invariant, $" --keys {o.Keys} --rate {o.Rate} --duration {o.Duration.TotalSeconds:0.###}"),
        });
        line.Append(o.Flush ? " --flush" : "").Append(o.Parallel ? " --parallel" : "");
        return line.ToString();
    }

    public static string ExpiryLine(ExpiryOutcome e) => string.Create(
        Invariant,
        $"{e.Strategy}: {e.Queries} backend queries for the expiry ({e.QueriesByWorker} by the worker), {e.Misses}/{e.Requests} misses, p99 {Ms(e, 0.99)} ms, {e.Timeouts} timeouts, {e.Errors} errors, {e.Wrong} wrong");

    public static string ZipfLine(ZipfOutcome z) => string.Create(
        Invariant,
        $"{z.Strategy}: {z.Reads:N0} reads, hit ratio {z.HitRatio:P2}, {z.Queries:N0} backend queries ({z.QueriesByWorker:N0} by the worker), {z.Errors} errors, {z.Wrong} wrong");

    private static string Ms(ExpiryOutcome e, double p) =>
        (p >= 1 ? Stats.Max(e.Latencies) : Stats.Percentile(e.Latencies, p)).ToString("0", Invariant);
}
