using System.Globalization;
using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Strategies;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>
/// The worker of "cachewarmer" and "fusioncache+cachewarmer": one host in this process composed with
/// <c>AddCacheWarmer()</c>, started through RefreshBench's <see cref="WorkerReplica"/> with its settings (Postgres
/// source, loader <c>product:{id}</c> on <c>load_product</c>, Serilog at Warning) adjusted to the lab. Beside the
/// FusionCache apps the loader writes their format under their key, and publishes their backplane's message.
/// </summary>
internal static class LabWorker
{
    /// <summary>The cron warmup's name (scenario warmup).</summary>
    public const string WarmupName = "spike";

    public static Task<WorkerReplica> StartAsync(LabServers servers, LabOptions options, string strategy, CancellationToken cancellationToken, WarmupPlan? warmup = null)
    {
        var ns = ReaderSpecs.Namespace(strategy);
        var bench = new BenchOptions { Ttl = options.Ttl, LoadMilliseconds = (int)options.BackendDelay.TotalMilliseconds };
        var settings = WorkerReplica.Settings(bench, 1, servers.Redis.Configuration, ns, servers.Catalog.ConnectionString);
        // Named like the readers' connections (Settings names it "replica-1"), so the lab counts the worker's loads.
        settings["CacheWarmer:Sources:catalog:ConnectionString"] = servers.ConnectionString(LabServers.AppName(strategy, "worker"), 1);
        // The readers write with exactly the TTL; the worker too, so every strategy's key lives as long.
        settings["CacheWarmer:Loaders:product:TtlJitter"] = "00:00:00";
        settings["CacheWarmer:Refresh:Buffer"] = Span(options.WorkerBuffer);
        settings["CacheWarmer:Refresh:LeaseTtl"] = Span(options.WorkerLeaseTtl);
        // Expiry: one key, managed as soon as the worker sees it written with a TTL. The other scenarios: the readers
        // send access samples and the worker manages the keys read at least once a minute (its default threshold).
        settings["CacheWarmer:HotKeys:MinRatePerMinute"] = options.Scenario == LabScenario.Expiry ? "0" : "1";
        if (strategy == "fusioncache+cachewarmer")
        {
            // The apps' key (InstanceName, FusionCache's "v2:", their CacheKeyPrefix) and type (property names).
            settings["CacheWarmer:Loaders:product:Key"] = ns + "v2:" + FusionCacheFullOptions.CacheKeyPrefix + "product:{id}";
            settings["CacheWarmer:Loaders:product:Query"] = ProductBackend.LoaderQuery(options.BackendDelay, typedColumns: true);
            settings["CacheWarmer:Loaders:product:Format"] = "FusionCache";
            settings["CacheWarmer:Loaders:product:InstanceName"] = ns;
            settings["CacheWarmer:Loaders:product:CacheName"] = FusionCacheFullOptions.CacheName(ns);
        }

        if (warmup is not null)
        {
            var section = $"CacheWarmer:Warmups:{WarmupName}:";
            settings[section + "Cron"] = warmup.Cron;
            settings[section + "TimeZone"] = "UTC";
            settings[section + "Loader"] = "product";
            settings[section + "Ids"] = $"SELECT id FROM products WHERE id <= {warmup.Keys.ToString(CultureInfo.InvariantCulture)} ORDER BY id";
            settings[section + "MaxPerSecond"] = "1000";
            settings[section + "MaxConcurrency"] = "16";
        }

        if (options.Verbose)
        {
            settings["Serilog:MinimumLevel:Default"] = "Debug";
            settings["Serilog:MinimumLevel:Override:Quartz"] = "Warning";
        }

        return WorkerReplica.StartAsync(settings, cancellationToken);
    }

    private static string Span(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}

/// <summary>A warmup that fires once, at <see cref="FireAt"/> (a whole UTC second), and warms products 1 to <see cref="Keys"/>.</summary>
internal sealed record WarmupPlan(DateTimeOffset FireAt, int Keys)
{
    /// <summary>Quartz cron, seconds first, in UTC: that second of that day, every year.</summary>
    public string Cron => FireAt.UtcDateTime.ToString("s m H d M '?'", CultureInfo.InvariantCulture);
}
