using System.Diagnostics;
using CacheWarmer.RefreshBench;
using CacheWarmer.TestUtils;
using StackExchange.Redis;

namespace CacheWarmer.ThroughputBench;

/// <summary>The whole run: a private Redis, the catalogs asked for, a warm-up, then every (source, concurrency) run.</summary>
internal static class Bench
{
    public static async Task<BenchReport> RunAsync(ThroughputOptions options, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var loadBefore = RunEnvironment.LoadAverage();
        var machine = RunEnvironment.Read();
        Console.WriteLine($"Starting Redis{(options.Sources.Contains(SourceKind.Postgres) ? " and PostgreSQL" : "")}: {options.Keys:N0} keys, MaxConcurrency {string.Join(", ", options.Concurrency)}, {options.Repeat} repeat(s)");
        await using var redis = await RedisServer.StartAsync(cancellationToken);
        await using var admin = await redis.ConnectAsync();
        var catalogs = new List<BenchCatalog>();
        try
        {
            foreach (var source in options.Sources)
            {
                catalogs.Add(source == SourceKind.Sqlite
                    ? await SqliteBenchCatalog.CreateAsync(options.Keys)
                    : await PostgresBenchCatalog.CreateAsync(options.Keys, options.PostgresOptions, cancellationToken));
            }

            // JIT, connection pools and Redis's script cache warm up before anything is measured.
            foreach (var catalog in catalogs)
            {
                foreach (var batched in options.Modes)
                {
                    Console.WriteLine($"Warm-up on {catalog.Kind} ({(batched ? "batched" : "single-key")} loads): {Math.Min(options.Keys, 20_000):N0} keys");
                    await ThroughputRun.RunAsync(redis.Configuration, admin, catalog, Math.Min(options.Keys, 20_000), options.Concurrency[0], batched, options, cancellationToken);
                }
            }

            var runs = new List<RunResult>();
            for (var repeat = 0; repeat < options.Repeat; repeat++)
            {
                foreach (var catalog in catalogs)
                {
                    foreach (var concurrency in options.Concurrency)
                    {
                        // Single-key and batched runs alternate, so both see the same load of the shared machine.
                        foreach (var batched in options.Modes)
                        {
                            runs.Add(await ThroughputRun.RunAsync(redis.Configuration, admin, catalog, options.Keys, concurrency, batched, options, cancellationToken));
                        }
                    }
                }
            }

            var info = (await admin.GetServers()[0].InfoAsync("server")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return new BenchReport
            {
                Options = options,
                Cores = machine.Cores,
                Cpu = machine.Cpu,
                Dotnet = $"{machine.Dotnet} ({(System.Runtime.GCSettings.IsServerGC ? "Server GC" : "workstation GC")})",
                Os = machine.Os,
                RedisVersion = "Redis " + info.GetValueOrDefault("redis_version", "?"),
                SourceVersions = catalogs.Select(c => c.Version).ToArray(),
                Commit = Commit(),
                LoadAverageBefore = loadBefore,
                LoadAverageAfter = RunEnvironment.LoadAverage(),
                Runs = runs,
                Total = total.Elapsed,
            };
        }
        finally
        {
            foreach (var catalog in catalogs)
            {
                await catalog.DisposeAsync();
            }
        }
    }

    private static string Commit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var head = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            using var status = Process.Start(new ProcessStartInfo("git", "status --porcelain --untracked-files=no src") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var dirty = status.StandardOutput.ReadToEnd().Trim().Length > 0;
            status.WaitForExit();
            return head.Length == 0 ? "?" : head + (dirty ? " (+ uncommitted src/ changes)" : "");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }
}
