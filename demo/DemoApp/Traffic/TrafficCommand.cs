using System.Runtime.InteropServices;
using CacheWarmer.Contracts.Sampling;
using CacheWarmer.DemoApp.Catalog;
using StackExchange.Redis;

namespace CacheWarmer.DemoApp.Traffic;

/// <summary>The <c>traffic</c> command: runs the readers for the configured time, reporting as it goes.</summary>
internal static class TrafficCommand
{
    private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(TrafficOptions options, TimeProvider time)
    {
        ProductLoader loader;
        try
        {
            loader = new ProductLoader(options.Database);
        }
        catch (FileNotFoundException e)
        {
            StatusPrinter.Say("error: " + e.Message);
            return 2;
        }

        var rows = await loader.CountIdsUpToAsync(options.Keys);
        if (rows < options.Keys)
        {
            StatusPrinter.Say($"error: the catalog has only {rows} of the products 1..{options.Keys}; seed more with --products or use fewer --keys");
            return 2;
        }

        var connection = await ConnectAsync(options.Redis);
        if (connection is null)
        {
            return 2;
        }

        await using (connection)
        {
            return await RunAsync(options, time, loader, connection);
        }
    }

    private static async Task<int> RunAsync(TrafficOptions options, TimeProvider time, ProductLoader loader, ConnectionMultiplexer connection)
    {
        var redis = connection.GetDatabase();
        var printer = new StatusPrinter(options);
        var stats = new TrafficStats(options.Keys);
        var chooser = new ZipfKeyChooser(options.Keys);
        // Tells the worker how often each key is read, as apps integrating CacheWarmer do: GETs raise no keyspace
        // events, so without samples the worker could not tell a hot key from one written once and never read.
        await using var samples = options.SendSamples
            ? new AccessSampler(connection, new AccessSamplerOptions { KeyPrefix = options.KeyPrefix }, time)
            : null;

        using var stop = new CancellationTokenSource(options.Duration, time);
        var stoppedEarly = false;
        void StopEarly(PosixSignalContext context)
        {
            context.Cancel = true;
            stoppedEarly = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopEarly);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopEarly);

        printer.Start();
        var started = time.GetTimestamp();
        var pause = TimeSpan.FromSeconds((double)options.Readers / options.ReadsPerSecond);
        var tasks = Enumerable.Range(0, options.Readers)
            .Select(_ => new CacheAsideReader(redis, loader, chooser, stats, samples, printer, options, time).RunAsync(pause, stop.Token))
            .Append(ReportAsync(stats, started, time, stop.Token))
            .ToList();
        await Task.WhenAll(tasks);
        if (samples is not null)
        {
            // The last second of reads counts too, and goes out before the verdict.
            await samples.DisposeAsync();
        }

        return TrafficVerdict.Print(stats.Snapshot(time.GetElapsedTime(started)), options, stoppedEarly);
    }

    private static async Task ReportAsync(TrafficStats stats, long started, TimeProvider time, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(StatusInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                StatusPrinter.Status(stats.Snapshot(time.GetElapsedTime(started)));
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over; the verdict carries the final figures.
        }
    }

    private static async Task<ConnectionMultiplexer?> ConnectAsync(string endpoint)
    {
        var configuration = ConfigurationOptions.Parse(endpoint);
        configuration.AbortOnConnectFail = true;
        configuration.ConnectTimeout = 5_000;
        configuration.ClientName = "cachewarmer-demo-app";
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(configuration);
        }
        catch (RedisConnectionException e)
        {
            // The client's message goes on to explain abortConnect, which is noise here: the first sentence is the news.
            var reason = e.Message.Split(". ", 2)[0];
            StatusPrinter.Say($"error: cannot reach Redis at {endpoint} ({reason}); start redis-server or pass --redis host:port");
            return null;
        }
    }
}
