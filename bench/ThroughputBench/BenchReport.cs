using System.Globalization;
using System.Text;
using CacheWarmer.Worker.Refresh;

namespace CacheWarmer.ThroughputBench;

/// <summary>The tables of a run, as markdown.</summary>
internal sealed record BenchReport
{
    public required ThroughputOptions Options { get; init; }

    public required int Cores { get; init; }

    public required string Cpu { get; init; }

    public required string Dotnet { get; init; }

    public required string Os { get; init; }

    public required string RedisVersion { get; init; }

    public required IReadOnlyList<string> SourceVersions { get; init; }

    public required string Commit { get; init; }

    public required string LoadAverageBefore { get; init; }

    public required string LoadAverageAfter { get; init; }

    public required IReadOnlyList<RunResult> Runs { get; init; }

    public required TimeSpan Total { get; init; }

    /// <summary>Every key of every run holds its row with the loader's TTL, every refresh refreshed, no lease left.</summary>
    public bool AllVerified => Runs.All(Clean);

    public string Markdown()
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("| Setup | |");
        md.AppendLine("|---|---|");
        md.AppendLine(inv, $"| Command | `{Options.CommandLine()}` |");
        md.AppendLine(inv, $"| Machine | {Cores} cores ({Cpu}), {Os}; 1-min load average {LoadAverageBefore} before, {LoadAverageAfter} after; Redis, the database and the worker share these cores |");
        md.AppendLine(inv, $"| Versions | {RedisVersion}, {string.Join(", ", SourceVersions)}, {Dotnet}; worker commit {Commit} |");
        md.AppendLine(inv, $"| Worker | one host composed with `AddCacheWarmer()`, loader `product:{{id}}` → `{BenchCatalog.Query}`, Result Row, Ttl {Options.LoaderTtl.TotalMinutes:0} min + jitter ≤ 1 min, Serilog at Warning |");
        if (Options.Batch)
        {
            md.AppendLine(inv, $"| Batched runs | the same, plus BatchQuery `… WHERE id IN @ids` (SQLite) / `… WHERE id = ANY(@ids)` (PostgreSQL) and MaxBatchSize {Options.BatchSize}; each loop hands {Options.BatchSize} keys at a time to `Refresher.RefreshBatchAsync`; run right after the single-key run of the same source and concurrency |");
        }

        md.AppendLine(inv, $"| Run | {Options.Keys:N0} keys `SET … PXAT now+{Options.AppTtl.TotalMinutes:0} min`; each handed once to `Refresher.RefreshAsync(key, that expiry)` by MaxConcurrency loops; a warm-up run per source first |");
        md.AppendLine(inv, $"| Total run time | {Total.TotalSeconds:0} s |");
        md.AppendLine();

        md.AppendLine("| Source | MaxConcurrency | Loads | Keys/s | Keys/s if the cores were the run's alone (derived) | Time | Outcomes | Verified keys | Leases left | Own-write markers seen | Redis commands sent / refresh (run inside Redis) | DB statements / refresh | CPU / refresh: worker, Redis, PostgreSQL | Allocated / refresh | Exceptions / refresh | Machine busy | Load avg |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Runs)
        {
            var perRefresh = Math.Max(r.Refreshed, 1);
            md.AppendLine(inv,
                $"| {r.Source} | {r.Concurrency} | {(r.Batched ? "batched" : "single")} | **{r.KeysPerSecond:N0}** | {Capacity(r):N0} | {r.Elapsed.TotalSeconds:0.00} s | {Outcomes(r)} | {r.Verified.Good:N0} / {r.Keys:N0}{Problems(r.Verified)} | {r.Verified.LeasesLeft} | {r.Verified.MarkersSeen:N0} | " +
                $"{(double)r.RedisSent / perRefresh:0.00} ({(double)r.Redis.Processed / perRefresh:0.00}) | {(r.DbStatements is { } s ? ((double)s / perRefresh).ToString("0.00", inv) : "n/a (in-process)")} | " +
                $"{Micros(r.ProcessCpu, perRefresh)}, {Micros(r.Redis.Cpu, perRefresh)}, {(r.Source == SourceKind.Postgres ? Micros(r.PostgresCpu, perRefresh) : "-")} µs | {(r.AllocatedBytes >= 0 ? (r.AllocatedBytes / perRefresh).ToString("N0", inv) + " B" : "?")} ({r.Gen0Collections} gen0 GCs) | {(double)r.Exceptions / perRefresh:0.00} | {r.MachineBusy:P0} of {Cores} cores | {r.LoadAverage} |");
        }

        md.AppendLine();
        if (Options.Repeat > 1)
        {
            md.AppendLine("| Source | MaxConcurrency | Keys/s, median (min – max) of " + Options.Repeat.ToString(inv) + " runs |");
            md.AppendLine("|---|---|---|");
            foreach (var group in Runs.GroupBy(r => (r.Source, r.Concurrency, r.Batched)))
            {
                var rates = group.Select(r => r.KeysPerSecond).Order().ToArray();
                var median = rates.Length % 2 == 1 ? rates[rates.Length / 2] : (rates[(rates.Length / 2) - 1] + rates[rates.Length / 2]) / 2;
                md.AppendLine(inv, $"| {group.Key.Source} | {group.Key.Concurrency}{(group.Key.Batched ? " batched" : "")} | **{median:N0}** ({rates[0]:N0} – {rates[^1]:N0}) |");
            }

            md.AppendLine();
        }

        if (Options.Batch)
        {
            AppendRatios(md, inv);
        }

        md.AppendLine("Redis commands per refresh, measured (`INFO commandstats` before and after each run, all runs of a source together; the commands a script runs are counted too, under their own names):");
        md.AppendLine();
        md.AppendLine("| Source | Command | Calls per refresh | µs per call inside Redis |");
        md.AppendLine("|---|---|---|---|");
        foreach (var group in Runs.GroupBy(r => (r.Source, Loads: r.Batched ? "batched" : "single")))
        {
            var refreshed = Math.Max(group.Sum(r => r.Refreshed), 1);
            var commands = group.SelectMany(r => r.Redis.Commands)
                .GroupBy(c => c.Key, StringComparer.Ordinal)
                .Select(g => (Name: g.Key, Calls: g.Sum(c => c.Value.Calls), Usec: g.Sum(c => c.Value.Usec)))
                .OrderByDescending(c => c.Calls);
            foreach (var (name, calls, usec) in commands)
            {
                md.AppendLine(inv, $"| {group.Key.Source} ({group.Key.Loads}) | {name.ToUpperInvariant()} | {(double)calls / refreshed:0.0000} | {(double)usec / calls:0.0} |");
            }

            md.AppendLine(inv, $"| {group.Key.Source} ({group.Key.Loads}) | all (`total_commands_processed`) | {(double)group.Sum(r => r.Redis.Processed) / refreshed:0.0000} | |");
            md.AppendLine(inv, $"| {group.Key.Source} ({group.Key.Loads}) | sent by the replica (its multiplexer's `OperationCount`): round trips | {(double)group.Sum(r => r.RedisSent) / refreshed:0.0000} | |");
        }

        return md.ToString();
    }

    // Each batched run beside the single-key run just before it (same source, concurrency and round).
    private void AppendRatios(StringBuilder md, CultureInfo inv)
    {
        md.AppendLine("| Source | MaxConcurrency | Keys/s single → batched (ratio) | DB statements / refresh single → batched | Redis commands sent / refresh single → batched | CPU / refresh single → batched: worker, Redis, PostgreSQL | Load avg |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        for (var i = 1; i < Runs.Count; i++)
        {
            var (single, batched) = (Runs[i - 1], Runs[i]);
            if (!batched.Batched || single.Batched)
            {
                continue;
            }

            string Per(long? count, RunResult r) => count is { } c ? ((double)c / Math.Max(r.Refreshed, 1)).ToString("0.000", inv) : "n/a";
            string Cpu(RunResult r) => $"{Micros(r.ProcessCpu, Math.Max(r.Refreshed, 1))}, {Micros(r.Redis.Cpu, Math.Max(r.Refreshed, 1))}, {(r.Source == SourceKind.Postgres ? Micros(r.PostgresCpu, Math.Max(r.Refreshed, 1)) : "-")}";
            md.AppendLine(inv,
                $"| {batched.Source} | {batched.Concurrency} | {single.KeysPerSecond:N0} → **{batched.KeysPerSecond:N0}** ({batched.KeysPerSecond / single.KeysPerSecond:0.00}×) | {Per(single.DbStatements, single)} → {Per(batched.DbStatements, batched)} | {Per(single.RedisSent, single)} → {Per(batched.RedisSent, batched)} | {Cpu(single)} → {Cpu(batched)} µs | {single.LoadAverage} → {batched.LoadAverage} |");
        }

        md.AppendLine();
    }

    /// <summary>
    /// The cores divided by the CPU time one refresh cost the worker, Redis and PostgreSQL together: the rate if nothing
    /// else ran on the machine and the three were never idle waiting for each other. An estimate, not a measurement.
    /// </summary>
    private double Capacity(RunResult r)
    {
        var cpu = (r.ProcessCpu + r.Redis.Cpu + r.PostgresCpu).TotalSeconds;
        return cpu > 0 ? Cores * Math.Max(r.Refreshed, 1) / cpu : 0;
    }

    private static bool Clean(RunResult r) =>
        r.Refreshed == r.Keys && r.Crashed == 0 && r.Verified.Good == r.Keys && r.Verified.LeasesLeft == 0;

    private static string Outcomes(RunResult r)
    {
        var parts = Enum.GetValues<RefreshOutcome>()
            .Where(o => r.Outcomes[(int)o] > 0)
            .Select(o => string.Create(CultureInfo.InvariantCulture, $"{o} {r.Outcomes[(int)o]:N0}"))
            .ToList();
        if (r.Crashed > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"threw {r.Crashed:N0}"));
        }

        return string.Join(", ", parts);
    }

    private static string Problems(Verification v) =>
        v.AppValue + v.WrongValue + v.WrongTtl == 0
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $" (**{v.AppValue} not refreshed, {v.WrongValue} wrong value, {v.WrongTtl} wrong TTL**)");

    private static string Micros(TimeSpan cpu, long refreshes) =>
        (cpu.TotalMicroseconds / refreshes).ToString("0", CultureInfo.InvariantCulture);
}
