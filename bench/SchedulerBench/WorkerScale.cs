using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using CacheWarmer.RefreshBench;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Hosting;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CacheWarmer.SchedulerBench;

/// <summary>What one replica did while it kept N keys warm.</summary>
internal sealed record WorkerResult(
    int Keys,
    TimeSpan Ttl,
    int Concurrency,
    TimeSpan ManagedAfter,
    TimeSpan Measured,
    double[] LagsMs,
    IReadOnlyDictionary<string, long> Outcomes,
    long Expirations,
    long HeapBytes,
    long PeakWorkingSet,
    string RedisVersion);

/// <summary>
/// One worker host, composed with <c>AddCacheWarmer()</c>, keeping N keys warm on a private Redis with a SQLite
/// catalog; every key the app writes is managed (MinRatePerMinute 0). The app writes the keys with TTLs spread over
/// one to two TTLs, then the replica runs for the measured time.
/// </summary>
internal static class WorkerScale
{
    /// <summary>The key prefix of the bench's loader keys and worker keys.</summary>
    internal const string Prefix = "bench:";

    public static async Task<WorkerResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var ttl = options.WorkerTtl;
        var measure = options.Measure < 2 * ttl ? 2 * ttl : options.Measure;
        var folder = Directory.CreateTempSubdirectory("cachewarmer-schedulerbench-");
        try
        {
            var catalog = Path.Combine(folder.FullName, "catalog.db");
            await CreateCatalogAsync(catalog, options.Keys);
            await using var redis = await RedisServer.StartAsync(cancellationToken);
            using var app = await redis.ConnectAsync();
            var version = app.GetServer(app.GetEndPoints()[0]).Version.ToString();
            using var metrics = new WorkerMetrics();

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Benchmark" });
            builder.Configuration.AddInMemoryCollection(Settings(options, redis.Configuration, catalog));
            builder.AddCacheWarmer();
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var started = Stopwatch.StartNew();

            await WriteKeysAsync(app.GetDatabase(), options.Keys, ttl);
            while (metrics.Managed() < options.Keys)
            {
                if (started.Elapsed > ttl)
                {
                    throw new InvalidOperationException($"Only {metrics.Managed():N0} of {options.Keys:N0} keys were managed after one TTL.");
                }

                await Task.Delay(250, cancellationToken);
            }

            var managedAfter = started.Elapsed;
            Console.WriteLine($"  {options.Keys:N0} keys managed after {managedAfter.TotalSeconds:F1} s; measuring for {measure.TotalSeconds:F0} s");
            metrics.Reset();
            var measured = Stopwatch.StartNew();
            long peak = 0;
            while (measured.Elapsed < measure)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
                Console.WriteLine($"  {measured.Elapsed.TotalSeconds,5:F0} s: {metrics.Fires:N0} refreshes started, {metrics.Expirations:N0} managed keys expired, " +
                    $"working set {peak / 1e6:F0} MB, load average {RunEnvironment.LoadAverage()}");
            }

            var lags = metrics.Lags();
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            var outcomes = metrics.Outcomes();
            await host.StopAsync(CancellationToken.None);
            return new WorkerResult(options.Keys, ttl, options.Concurrency, managedAfter, measured.Elapsed, lags, outcomes, metrics.Expirations, heap, peak, version);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The worker's settings (configuration keys with colons), shared by the worker and replicas parts.</summary>
    internal static Dictionary<string, string?> Settings(BenchOptions options, string redis, string catalog) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["CacheWarmer:Redis:Configuration"] = redis,
        ["CacheWarmer:Redis:KeyPrefix"] = Prefix + "cw:",
        ["CacheWarmer:Sources:catalog:Provider"] = "Sqlite",
        ["CacheWarmer:Sources:catalog:ConnectionString"] = $"Data Source={catalog};Mode=ReadOnly",
        ["CacheWarmer:Loaders:product:Key"] = Prefix + "product:{id}",
        ["CacheWarmer:Loaders:product:Source"] = "catalog",
        ["CacheWarmer:Loaders:product:Query"] = "SELECT id, name, price FROM products WHERE id = @id",
        ["CacheWarmer:Loaders:product:Result"] = "Row",
        ["CacheWarmer:Loaders:product:Ttl"] = options.WorkerTtl.ToString("c", CultureInfo.InvariantCulture),
        ["CacheWarmer:Loaders:product:TtlJitter"] = (options.WorkerTtl / 10).ToString("c", CultureInfo.InvariantCulture),
        ["CacheWarmer:HotKeys:MinRatePerMinute"] = "0",
        ["CacheWarmer:HotKeys:Capacity"] = options.Keys.ToString(CultureInfo.InvariantCulture),
        ["CacheWarmer:Refresh:Buffer"] = "00:00:02",
        ["CacheWarmer:Refresh:LeaseTtl"] = "00:00:05",
        ["CacheWarmer:Refresh:MaxConcurrency"] = options.Concurrency.ToString(CultureInfo.InvariantCulture),
        ["Serilog:Using:0"] = "Serilog.Sinks.Console",
        ["Serilog:MinimumLevel:Default"] = "Warning",
        ["Serilog:WriteTo:0:Name"] = "Console",
    };

    internal static async Task CreateCatalogAsync(string path, int products)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)";
            await create.ExecuteNonQueryAsync();
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO products (id, name, price) VALUES ($id, $name, $price)";
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var price = insert.Parameters.Add("$price", SqliteType.Real);
        for (var i = 1; i <= products; i++)
        {
            (id.Value, name.Value, price.Value) = (i, $"Product {i}", 1.0 + (i % 1000 / 10.0));
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    // The app's writes: every key once, with a TTL spread over one to two TTLs so refreshes do not come due together.
    internal static async Task WriteKeysAsync(IDatabase database, int keys, TimeSpan ttl)
    {
        for (var from = 1; from <= keys; from += 1_000)
        {
            var batch = database.CreateBatch();
            var writes = new List<Task>(1_000);
            for (var id = from; id < from + 1_000 && id <= keys; id++)
            {
                writes.Add(batch.StringSetAsync($"{Prefix}product:{id}", $"{{\"id\":{id}}}", ttl * (1 + Random.Shared.NextDouble())));
            }

            batch.Execute();
            await Task.WhenAll(writes);
        }
    }

    /// <summary>The replica's own instruments, read in this process.</summary>
    private sealed class WorkerMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
        private readonly List<double> _lags = new(1 << 20);
        private long _expirations;
        private int _managed;

        public WorkerMetrics()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CacheWarmerMetrics.MeterName &&
                    instrument.Name is "cachewarmer.refresh.fire_lag" or "cachewarmer.refreshes" or "cachewarmer.hot_key.expirations" or "cachewarmer.managed_keys")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
            {
                lock (_lags)
                {
                    _lags.Add(seconds * 1000);
                }
            });
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "cachewarmer.hot_key.expirations")
                {
                    Interlocked.Add(ref _expirations, value);
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "outcome")
                    {
                        _outcomes.AddOrUpdate((string)tag.Value!, value, (_, n) => n + value);
                    }
                }
            });
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Volatile.Write(ref _managed, value));
            _listener.Start();
        }

        public long Expirations => Interlocked.Read(ref _expirations);

        public int Fires
        {
            get
            {
                lock (_lags)
                {
                    return _lags.Count;
                }
            }
        }

        public int Managed()
        {
            _listener.RecordObservableInstruments();
            return Volatile.Read(ref _managed);
        }

        public void Reset()
        {
            lock (_lags)
            {
                _lags.Clear();
            }

            _outcomes.Clear();
            Interlocked.Exchange(ref _expirations, 0);
        }

        public double[] Lags()
        {
            double[] sorted;
            lock (_lags)
            {
                sorted = [.. _lags];
            }

            Array.Sort(sorted);
            return sorted;
        }

        public Dictionary<string, long> Outcomes() => new(_outcomes, StringComparer.Ordinal);

        public void Dispose() => _listener.Dispose();
    }
}
