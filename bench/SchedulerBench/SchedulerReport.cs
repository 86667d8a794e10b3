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

    public void Add(TriggerResult result) => _triggers.Add(result);

    public void Add(WorkerResult result) => _workers.Add(result);

    public void Add(ColdResult result) => _cold.Add(result);

    public string Markdown(string loadAfter)
    {
        var text = new StringBuilder();
        Line(text, "| Setup | |");
        Line(text, "|---|---|");
        Line(text, $"| Command | `dotnet run -c Release --project bench/SchedulerBench -- {arguments}` |");
        Line(text, $"| Machine | {machine.Cores} cores ({machine.Cpu}), {machine.Os}; 1-min load average {loadBefore} before, {loadAfter} after |");
        Line(text, $"| Versions | {machine.Dotnet}, Quartz 4.7.3{(_workers.Count > 0 ? $", Redis {_workers[0].RedisVersion}" : "")} |");
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

        return text.ToString();
    }

    private static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString(value < 10 ? "0.0" : "N0", CultureInfo.InvariantCulture) + " ms";

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
