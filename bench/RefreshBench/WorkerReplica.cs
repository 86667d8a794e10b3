using System.Globalization;
using CacheWarmer.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CacheWarmer.RefreshBench;

/// <summary>One worker host in this process, composed as the worker's Program.cs composes it, configured in memory.</summary>
internal sealed class WorkerReplica : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private WorkerReplica(IHost host) => _host = host;

    /// <summary>
    /// The configuration of replica number <paramref name="replica"/>; its connection string carries "replica-N" as
    /// application name, so the database records which replica ran each load.
    /// </summary>
    public static Dictionary<string, string?> Settings(BenchOptions options, int replica, string redis, string prefix, string postgres)
    {
        postgres = new NpgsqlConnectionStringBuilder(postgres) { ApplicationName = $"replica-{replica}" }.ConnectionString;
        var sleep = (options.LoadMilliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["CacheWarmer:Redis:Configuration"] = redis,
            ["CacheWarmer:Redis:KeyPrefix"] = prefix + "cw:",
            ["CacheWarmer:Sources:catalog:Provider"] = "Postgres",
            ["CacheWarmer:Sources:catalog:ConnectionString"] = postgres,
            ["CacheWarmer:Loaders:product:Key"] = prefix + "product:{id}",
            ["CacheWarmer:Loaders:product:Source"] = "catalog",
            ["CacheWarmer:Loaders:product:Query"] = $"SELECT id, name, price FROM load_product(@id, {sleep})",
            ["CacheWarmer:Loaders:product:Result"] = "Row",
            ["CacheWarmer:Loaders:product:Ttl"] = options.Ttl.ToString("c", CultureInfo.InvariantCulture),
            ["CacheWarmer:Loaders:product:TtlJitter"] = options.TtlJitter.ToString("c", CultureInfo.InvariantCulture),
            // Every key the app writes is treated as hot: this bench measures the refresh engine, not hot-key scoring.
            ["CacheWarmer:HotKeys:MinRatePerMinute"] = "0",
            ["CacheWarmer:Refresh:Buffer"] = options.Buffer.ToString("c", CultureInfo.InvariantCulture),
            ["CacheWarmer:Refresh:LeaseTtl"] = options.LeaseTtl.ToString("c", CultureInfo.InvariantCulture),
            ["Serilog:Using:0"] = "Serilog.Sinks.Console",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:WriteTo:0:Name"] = "Console",
            ["Serilog:WriteTo:0:Args:outputTemplate"] = "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}",
        };
        if (options.Batch)
        {
            // load_products records one load per id, so the loads table counts a batch's keys as it counts single loads.
            settings["CacheWarmer:Loaders:product:BatchQuery"] = $"SELECT id, name, price FROM load_products(@ids, {sleep})";
        }

        return settings;
    }

    public static async Task<WorkerReplica> StartAsync(Dictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = "Benchmark",
        });
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

        return new WorkerReplica(host);
    }

    /// <summary>Stops the host: the scheduler drains running refreshes and leases are released.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        _host.Dispose();
    }
}
