using System.Globalization;
using CacheWarmer.RefreshBench;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>
/// The "cachewarmer" strategy's worker: one host in this process composed with <c>AddCacheWarmer()</c>, started
/// through RefreshBench's <see cref="WorkerReplica"/> with its settings (Postgres source, loader
/// <c>product:{id}</c> on <c>load_product</c>, Serilog at Warning) adjusted to the lab.
/// </summary>
internal static class LabWorker
{
    public static Task<WorkerReplica> StartAsync(LabServers servers, LabOptions options, string ns, CancellationToken cancellationToken)
    {
        var bench = new BenchOptions { Ttl = options.Ttl, LoadMilliseconds = (int)options.BackendDelay.TotalMilliseconds };
        var settings = WorkerReplica.Settings(bench, 1, servers.Redis.Configuration, ns, servers.Catalog.ConnectionString);
        // Named like the readers' connections (Settings names it "replica-1"), so the lab counts the worker's loads.
        settings["CacheWarmer:Sources:catalog:ConnectionString"] = servers.ConnectionString(LabServers.AppName("cachewarmer", "worker"), 1);
        // The readers write with exactly the TTL; the worker too, so every strategy's key lives as long.
        settings["CacheWarmer:Loaders:product:TtlJitter"] = "00:00:00";
        settings["CacheWarmer:Refresh:Buffer"] = options.WorkerBuffer.ToString("c", CultureInfo.InvariantCulture);
        settings["CacheWarmer:Refresh:LeaseTtl"] = options.WorkerLeaseTtl.ToString("c", CultureInfo.InvariantCulture);
        // Expiry: one key, managed as soon as the worker sees it written with a TTL. Zipf: the readers send access
        // samples and the worker manages the keys read at least once a minute (its default threshold).
        settings["CacheWarmer:HotKeys:MinRatePerMinute"] = options.Scenario == LabScenario.Expiry ? "0" : "1";
        if (options.Verbose)
        {
            settings["Serilog:MinimumLevel:Default"] = "Debug";
            settings["Serilog:MinimumLevel:Override:Quartz"] = "Warning";
        }

        return WorkerReplica.StartAsync(settings, cancellationToken);
    }
}
