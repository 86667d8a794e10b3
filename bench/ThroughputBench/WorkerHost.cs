using System.Globalization;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Hosting;
using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.ThroughputBench;

/// <summary>One worker replica in this process, composed as the worker's Program.cs composes it, configured in memory.</summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerHost(IHost host)
    {
        _host = host;
        Refresher = host.Services.GetRequiredService<Refresher>();
        Redis = host.Services.GetRequiredService<IConnectionMultiplexer>();
        MaxConcurrency = host.Services.GetRequiredService<IOptions<CacheWarmerOptions>>().Value.Refresh.MaxConcurrency;
        MaxBatchSize = host.Services.GetRequiredService<IOptions<CacheWarmerOptions>>().Value.Refresh.MaxBatchSize;
    }

    /// <summary>The replica's refresher: what its RefreshDispatcher calls for each due key.</summary>
    public Refresher Refresher { get; }

    /// <summary>The replica's Redis connection; its operation count is the commands the replica sent.</summary>
    public IConnectionMultiplexer Redis { get; }

    /// <summary>Refresh:MaxConcurrency as the host bound it (the RefreshDispatcher's slots).</summary>
    public int MaxConcurrency { get; }

    /// <summary>Refresh:MaxBatchSize: the keys a batched run's loop hands over at once, as the dispatcher takes them along.</summary>
    public int MaxBatchSize { get; }

    public static Dictionary<string, string?> Settings(string redis, string prefix, BenchCatalog catalog, int concurrency, ThroughputOptions options, bool batched) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["CacheWarmer:Loaders:product:BatchQuery"] = batched ? catalog.BatchQuery : "",
        ["CacheWarmer:Refresh:MaxBatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["CacheWarmer:Redis:Configuration"] = redis,
        ["CacheWarmer:Redis:KeyPrefix"] = prefix + "cw:",
        // No keyspace events: the bench hands the keys to the refresher itself, so the tracker and the planner stay idle.
        ["CacheWarmer:Redis:ConfigureKeyspaceEvents"] = "false",
        // Nor a beacon: with notifications off its first beat would find them missing and resync (a SCAN and a PTTL of
        // every key) in the middle of the measurement.
        ["CacheWarmer:Redis:BeaconInterval"] = "00:00:00",
        ["CacheWarmer:Sources:catalog:Provider"] = catalog.Provider,
        ["CacheWarmer:Sources:catalog:ConnectionString"] = catalog.ConnectionString,
        ["CacheWarmer:Loaders:product:Key"] = prefix + "product:{id}",
        ["CacheWarmer:Loaders:product:Source"] = "catalog",
        ["CacheWarmer:Loaders:product:Query"] = BenchCatalog.Query,
        ["CacheWarmer:Loaders:product:Result"] = "Row",
        ["CacheWarmer:Loaders:product:Ttl"] = options.LoaderTtl.ToString("c", CultureInfo.InvariantCulture),
        ["CacheWarmer:Loaders:product:TtlJitter"] = "00:01:00",
        ["CacheWarmer:Refresh:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
        // As the RefreshBench runs it: per-refresh lines are Debug anyway, and nothing of the hot path logs above Warning.
        ["Serilog:Using:0"] = "Serilog.Sinks.Console",
        ["Serilog:MinimumLevel:Default"] = "Warning",
        ["Serilog:WriteTo:0:Name"] = "Console",
        ["Serilog:WriteTo:0:Args:outputTemplate"] = "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}",
    };

    public static async Task<WorkerHost> StartAsync(Dictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Benchmark" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddCacheWarmer();
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        // The start-up resync (SCAN for the loaders' patterns, PTTL of each key found) runs once the host has started;
        // the app writes its keys after it, so that the tracker does not pick them up during the measurement.
        if (host.Services.GetService<KeyspaceListener>() is { } listener)
        {
            await listener.InitialResync.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }

        return new WorkerHost(host);
    }

    /// <summary>Stops the host and disposes it, which closes its database connection pool.</summary>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        if (_host is IAsyncDisposable async)
        {
            await async.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
