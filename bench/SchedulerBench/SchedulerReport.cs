using System.Globalization;
using System.Text;
using CacheWarmer.RefreshBench;

namespace CacheWarmer.SchedulerBench;

/// <summary>The markdown tables of one run.</summary>
internal sealed class SchedulerReport(RunEnvironment machine, string arguments, string loadBefore)
{
    private readonly List<TriggerResult> _triggers = [];
    private readonly List<WorkerResult> _workers = [];
    private readonly List<ColdResult> _cold = [];
    private readonly List<ReplicaResult> _replicas = [];

    public void Add(TriggerResult result) => _triggers.Add(result);

    public void Add(WorkerResult result) => _workers.Add(result);

    public void Add(ColdResult result) => _cold.Add(result);

    public void Add(ReplicaResult result) => _replicas.Add(result);

    public string Markdown(string loadAfter)
    {
        var text = new StringBuilder();
        Line(text, "| Setup | |");
        Line(text, "|---|---|");
        Line(text, $"| Command | `dotnet run -c Release --project bench/SchedulerBench -- {arguments}` |");
        Line(text, $"| Machine | {machine.Cores} cores ({machine.Cpu}), {machine.Os}; 1-min load average {loadBefore} before, {loadAfter} after |");
        Line(text, $"| Versions | {machine.Dotnet}, Quartz 4.7.3{(_workers.Count > 0 ? $", Redis {_workers[0].RedisVersion}" : _replicas.Count > 0 ? $", Redis {_replicas[0].RedisVersion}" : "")} |");
        if (_triggers.Count > 0)
        {
            Line(text, "");
            Line(text, "| Scheduler | Keys | TTL | Plan all | Per plan | Managed heap | Fires/s | Lag p50 | p99 | p99.9 | max |");
            Line(text, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in _triggers)
            {
                var lags = r.LagsMs;
                Line(text, $"| {r.Name} | {r.Keys:N0} | {r.Ttl.TotalSeconds:F0} s | {r.PlanTime.TotalSeconds:F2} s | {r.PlanTime.TotalMicroseconds / r.Keys:F1} µs | " +
                    $"{r.HeapBytes / 1e6:F0} MB | {r.FiresPerSecond:N0} | {Ms(Stats.Percentile(lags, 0.5))} | {Ms(Stats.Percentile(lags, 0.99))} | " +
                    $"{Ms(Stats.Percentile(lags, 0.999))} | {Ms(Stats.Max(lags))} |");
            }
        }

        foreach (var w in _workers)
        {
            var lags = w.LagsMs;
            var outcomes = string.Join(", ", w.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value:N0}"));
            Line(text, "");
            Line(text, "| One replica | |");
            Line(text, "|---|---|");
            Line(text, $"| Managed keys | {w.Keys:N0}, all managed {w.ManagedAfter.TotalSeconds:F1} s after the app began writing them |");
            Line(text, $"| Loader TTL | {w.Ttl.TotalSeconds:F0} s (+ up to 10 % jitter), Buffer 2 s, LeaseTtl 5 s; about {w.Keys / w.Ttl.TotalSeconds:N0} refreshes/s; Refresh:MaxConcurrency {w.Concurrency} |");
            Line(text, $"| Measured | {w.Measured.TotalSeconds:F0} s |");
            Line(text, $"| Refreshes started | {lags.Length:N0} ({lags.Length / w.Measured.TotalSeconds:N0}/s); outcomes: {outcomes} |");
            Line(text, $"| Fire lag p50 / p99 / p99.9 / max | {Ms(Stats.Percentile(lags, 0.5))} / {Ms(Stats.Percentile(lags, 0.99))} / {Ms(Stats.Percentile(lags, 0.999))} / {Ms(Stats.Max(lags))} |");
            Line(text, $"| Managed keys that expired | {w.Expirations:N0} |");
            Line(text, $"| Managed heap after a full GC | {w.HeapBytes / 1e6:F0} MB (the whole bench process) |");
            Line(text, $"| Peak working set | {w.PeakWorkingSet / 1e6:F0} MB (the whole bench process) |");
        }

        foreach (var c in _cold)
        {
            string Calls(string command) => c.RedisCalls.GetValueOrDefault(command).ToString("N0", CultureInfo.InvariantCulture);
            Line(text, "");
            Line(text, "| One replica beside cold keys | |");
            Line(text, "|---|---|");
            Line(text, $"| Loader keys in Redis | {c.Keys:N0} (1 h TTL, never read; default hot-key settings) |");
            Line(text, $"| First resync (start to quiet) | {c.FirstResync.TotalSeconds:F1} s |");
            Line(text, $"| Heap the replica holds after it, full GC | {c.HeapBytes / 1e6:F1} MB |");
            Line(text, $"| Peak working set (whole bench process) | {c.PeakWorkingSet / 1e6:F0} MB |");
            Line(text, $"| Second resync | {c.Resync.TotalSeconds:F1} s; Redis calls: SCAN {Calls("scan")}, PTTL {Calls("pttl")}, all {c.RedisCalls.Values.Sum():N0} |");
            Line(text, $"| CPU of that resync | Redis {c.RedisCpuSeconds:F2} s, replica {c.WorkerCpuSeconds:F2} s |");
        }

        foreach (var r in _replicas)
        {
            ReplicasMarkdown(text, r);
        }

        return text.ToString();
    }

    private static void ReplicasMarkdown(StringBuilder text, ReplicaResult r)
    {
        var all = MetricsScrape.Sum(r.PerReplica.Select(p => p.Window));
        var attempts = all.Outcomes.Values.Sum();
        var loads = all.Outcomes.GetValueOrDefault("refreshed");
        var lag = all.Lag;
        var meanLag = all.Value(MetricsScrape.FireLag + "_count") > 0
            ? all.Value(MetricsScrape.FireLag + "_sum") / all.Value(MetricsScrape.FireLag + "_count") * 1000
            : double.NaN;
        var managed = r.ManagedAfter is { } after
            ? $"all managed {after.TotalSeconds:F1} s after the app began writing them (managed-key gauges added up: {r.ManagedAtStart:N0})"
            : $"**not all managed one TTL after the writes began**: the managed-key gauges added up to {r.ManagedAtStart:N0}";
        var events = string.Join("; ", new[]
        {
            r.KillAt is { } kill ? $"SIGKILL of one replica at {kill.TotalSeconds:F0} s" : null,
            r.JoinAt is { } join ? $"one replica joined at {join.TotalSeconds:F0} s" : null,
        }.Where(e => e is not null));
        var maxRss = r.PerReplica.Max(p => p.PeakRss);
        var counted = all.Value(MetricsScrape.Expirations);
        Line(text, "");
        Line(text, "| N replicas as processes | |");
        Line(text, "|---|---|");
        Line(text, $"| Replicas | {r.Replicas} worker processes (`dotnet CacheWarmer.Worker.dll`){(events.Length > 0 ? "; " + events : "")}; Refresh:Partition {(r.Partition ? "on" : "off")}, {(r.WorkstationGc ? "workstation GC (`DOTNET_gcServer=0`)" : "server GC")}{(r.HeapLimitMegabytes is { } mb ? $", GC heap limit {mb} MB (`DOTNET_GCHeapHardLimit`)" : "")}{(r.MemoryLimitMegabytes is { } limit ? $", each in a memory cgroup limited to {limit} MiB" : "")}{string.Concat(r.WorkerEnvironment.Select(e => $", `{e.Key}={e.Value}`"))} |");
        Line(text, $"| Keys | {r.Keys:N0}; catalog written in {r.CatalogTime.TotalSeconds:F1} s, keys written by the app in {r.WriteTime.TotalSeconds:F1} s; {managed} |");
        Line(text, $"| Loader TTL | {r.Ttl.TotalSeconds:F0} s (+ up to 10 % jitter), Buffer 2 s, LeaseTtl 5 s; about {r.Keys / r.Ttl.TotalSeconds:N0} loads/s due; Refresh:MaxConcurrency {r.Concurrency} per replica |");
        Line(text, $"| Measured | {r.Measured.TotalSeconds:F0} s, from a scrape of every replica's /metrics to the last |");
        Line(text, $"| Refresh attempts / loads | {attempts:N0} / {loads:N0} ({loads / r.Measured.TotalSeconds:N0} loads/s); outcomes: {Outcomes(all)} |");
        Line(text, $"| Fire lag, all replicas | p50 {Bound(lag.QuantileBound(0.5))}, p99 **{Bound(lag.QuantileBound(0.99))}**, p99.9 {Bound(lag.QuantileBound(0.999))}; mean {Ms(meanLag)} (percentiles are the upper bound of the histogram bucket they fall in: 1, 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 30 s) |");
        Line(text, $"| Misses | Redis `expired` events of loader keys in the window: **{r.RedisMisses:N0}**{(r.MissesByPhase.Count > 0 ? " (" + string.Join(", ", r.MissesByPhase.Select(p => $"{p.Misses:N0} {p.Phase}")) + ")" : "")}, before the window {r.RedisMissesBefore:N0}; counted by the workers (`hot_key_expirations`): {counted:N0} |");
        Line(text, $"| Peak RSS per replica (VmHWM) | max {maxRss / 1e6:F0} MB, of it anonymous (RssAnon, highest 5 s sample) {r.PerReplica.Max(p => p.PeakAnon) / 1e6:F0} MB; Redis used_memory_peak {r.RedisPeakMemory / 1e6:F0} MB |");
        Line(text, $"| Goal (each replica < 512 MB, fire lag p99 < 100 ms) | memory {(maxRss < 512e6 ? "met" : "**not met**")}, lag {(lag.QuantileBound(0.99) <= 0.1 ? "met" : "**not met**")} |");
        Line(text, "");
        Line(text, "| Replica | Managed keys (end) | Peak RSS | Refresh attempts | share | Loads | share | lease_busy | skipped_fresh | Lease contended | Misses counted | Fires | Fire lag p99 (bucket) |");
        Line(text, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in r.PerReplica)
        {
            var note = p.KilledAt is { } k ? $" (killed at {k.TotalSeconds:F0} s)" : p.JoinedAt is { } j ? $" (joined at {j.TotalSeconds:F0} s)" : "";
            if (p.FailedScrapes > 0)
            {
                note += $" ({p.FailedScrapes} scrapes failed)";
            }

            ReplicaLine(text, p.Name + note, p.ManagedAtEnd, $"{p.PeakRss / 1e6:F0} MB ({p.PeakAnon / 1e6:F0} anon{(p.Cgroup is { } cg ? $"; cgroup peak {cg.PeakBytes / 1048576.0:F0} MiB, {cg.OomKills} OOM kills" : "")})", p.Window, attempts, loads);
        }

        ReplicaLine(text, "**All** (managed: the live ones)", r.PerReplica.Where(p => p.KilledAt is null).Sum(p => p.ManagedAtEnd), $"{r.PerReplica.Sum(p => p.PeakRss) / 1e6:F0} MB", all, attempts, loads);
    }

    private static void ReplicaLine(StringBuilder text, string name, double managed, string rss, MetricsScrape window, double allAttempts, double allLoads)
    {
        var attempts = window.Outcomes.Values.Sum();
        var loads = window.Outcomes.GetValueOrDefault("refreshed");
        Line(text, $"| {name} | {managed:N0} | {rss} | {attempts:N0} | {Share(attempts, allAttempts)} | {loads:N0} | {Share(loads, allLoads)} | " +
            $"{window.Outcomes.GetValueOrDefault("lease_busy"):N0} | {window.Outcomes.GetValueOrDefault("skipped_fresh"):N0} | {window.Value(MetricsScrape.LeaseContended):N0} | " +
            $"{window.Value(MetricsScrape.Expirations):N0} | {window.Lag.Count:N0} | {Bound(window.Lag.QuantileBound(0.99))} |");
    }

    private static string Outcomes(MetricsScrape window) =>
        string.Join(", ", window.Outcomes.Where(o => o.Value != 0).OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value:N0}"));

    private static string Share(double part, double all) => all > 0 ? (part / all).ToString("P1", CultureInfo.InvariantCulture) : "–";

    // A histogram quantile: the upper bound of its bucket.
    private static string Bound(double seconds) => seconds switch
    {
        double.NaN => "–",
        double.PositiveInfinity => "> 30 s",
        < 1 => $"≤ {seconds * 1000:0.#} ms",
        _ => $"≤ {seconds:0.#} s",
    };

    private static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString(value < 10 ? "0.0" : "N0", CultureInfo.InvariantCulture) + " ms";

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
