using System.Diagnostics;
using System.Globalization;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CacheWarmer.SchedulerBench;

/// <summary>What one replica cost while Redis held N loader keys that nobody reads.</summary>
internal sealed record ColdResult(
    int Keys,
    TimeSpan FirstResync,
    TimeSpan Resync,
    IReadOnlyDictionary<string, long> RedisCalls,
    double RedisCpuSeconds,
    double WorkerCpuSeconds,
    long HeapBytes,
    long PeakWorkingSet);

/// <summary>
/// One worker host with the default hot-key settings (a key is managed once it is read often) on a private Redis
/// holding N loader keys with a one-hour TTL that no app reads: the memory the replica keeps for them, and what one
/// resync (the SCAN that runs at start, after a reconnect and every five minutes) costs Redis and the replica.
/// </summary>
internal static class ColdKeys
{
    private const string Prefix = "bench:";

    public static async Task<ColdResult> RunAsync(int keys, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("cachewarmer-coldkeys-");
        try
        {
            var catalog = Path.Combine(folder.FullName, "catalog.db");
            await CreateCatalogAsync(catalog);
            await using var redis = await RedisServer.StartAsync(cancellationToken);
            using var app = await redis.ConnectAsync();
            var server = app.GetServer(app.GetEndPoints()[0]);
            await WriteKeysAsync(app.GetDatabase(), keys);
            Console.WriteLine($"  {keys:N0} cold keys written; Redis used_memory {await InfoAsync(server, "memory", "used_memory") / 1e6:F0} MB");

            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Benchmark" });
            builder.Configuration.AddInMemoryCollection(Settings(redis.Configuration, catalog));
            builder.AddCacheWarmer();
            using var host = builder.Build();
            var started = Stopwatch.StartNew();
            await host.StartAsync(cancellationToken);
            var listener = host.Services.GetRequiredService<KeyspaceListener>();
            await listener.InitialResync.WaitAsync(cancellationToken);
            await QuietAsync(server, cancellationToken);
            var firstResync = started.Elapsed;
            Console.WriteLine($"  first resync done after {firstResync.TotalSeconds:F1} s");

            // A second resync, measured alone: the Redis counters and both processes' CPU from its request to quiet.
            await server.ExecuteAsync("CONFIG", "RESETSTAT");
            var redisCpu = await CpuAsync(server);
            var workerCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var resync = Stopwatch.StartNew();
            host.Services.GetRequiredService<IKeyObservationSource>().RequestResync("bench");
            var peak = await QuietAsync(server, cancellationToken);
            var resyncTime = resync.Elapsed - QuietWindow;
            var calls = await CallsAsync(server);
            var redisCpuUsed = await CpuAsync(server) - redisCpu;
            var workerCpuUsed = (Process.GetCurrentProcess().TotalProcessorTime - workerCpu).TotalSeconds;
            var heap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            Console.WriteLine($"  second resync done after {resyncTime.TotalSeconds:F1} s; heap held by the replica {heap / 1e6:F0} MB");
            await host.StopAsync(CancellationToken.None);
            return new ColdResult(keys, firstResync, resyncTime, calls, redisCpuUsed, workerCpuUsed, heap, peak);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    // The resync is over when Redis has run no SCAN and no PTTL for this long.
    private static readonly TimeSpan QuietWindow = TimeSpan.FromSeconds(2);

    // Waits until Redis counts no new SCAN or PTTL calls for QuietWindow; returns the peak working set seen meanwhile.
    private static async Task<long> QuietAsync(IServer server, CancellationToken cancellationToken)
    {
        var last = -1L;
        var quietSince = Stopwatch.StartNew();
        long peak = 0;
        while (true)
        {
            await Task.Delay(250, cancellationToken);
            peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
            var calls = await CallsAsync(server);
            var now = calls.GetValueOrDefault("scan") + calls.GetValueOrDefault("pttl");
            if (now != last)
            {
                last = now;
                quietSince.Restart();
            }
            else if (quietSince.Elapsed >= QuietWindow)
            {
                return peak;
            }
        }
    }

    private static async Task<Dictionary<string, long>> CallsAsync(IServer server)
    {
        var stats = await server.InfoAsync("commandstats");
        return stats.SelectMany(g => g).ToDictionary(
            p => p.Key["cmdstat_".Length..],
            p => long.Parse(p.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture),
            StringComparer.Ordinal);
    }

    private static async Task<double> CpuAsync(IServer server) =>
        await InfoAsync(server, "cpu", "used_cpu_user") + await InfoAsync(server, "cpu", "used_cpu_sys");

    private static async Task<double> InfoAsync(IServer server, string section, string field)
    {
        var info = await server.InfoAsync(section);
        return double.Parse(info.SelectMany(g => g).First(p => p.Key == field).Value, CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string?> Settings(string redis, string catalog) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["CacheWarmer:Redis:Configuration"] = redis,
        ["CacheWarmer:Redis:KeyPrefix"] = Prefix + "cw:",
        ["CacheWarmer:Sources:catalog:Provider"] = "Sqlite",
        ["CacheWarmer:Sources:catalog:ConnectionString"] = $"Data Source={catalog};Mode=ReadOnly",
        ["CacheWarmer:Loaders:product:Key"] = Prefix + "product:{id}",
        ["CacheWarmer:Loaders:product:Source"] = "catalog",
        ["CacheWarmer:Loaders:product:Query"] = "SELECT id, name, price FROM products WHERE id = @id",
        ["CacheWarmer:Loaders:product:Result"] = "Row",
        ["CacheWarmer:Loaders:product:Ttl"] = "01:00:00",
        ["Serilog:Using:0"] = "Serilog.Sinks.Console",
        ["Serilog:MinimumLevel:Default"] = "Warning",
        ["Serilog:WriteTo:0:Name"] = "Console",
    };

    private static async Task CreateCatalogAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)";
        await create.ExecuteNonQueryAsync();
    }

    private static async Task WriteKeysAsync(IDatabase database, int keys)
    {
        for (var from = 1; from <= keys; from += 10_000)
        {
            var batch = database.CreateBatch();
            var writes = new List<Task>(10_000);
            for (var id = from; id < from + 10_000 && id <= keys; id++)
            {
                writes.Add(batch.StringSetAsync($"{Prefix}product:{id}", $"{{\"id\":{id}}}", TimeSpan.FromHours(1)));
            }

            batch.Execute();
            await Task.WhenAll(writes);
        }
    }
}
