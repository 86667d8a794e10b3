using System.Diagnostics;
using System.Globalization;
using System.Text;
using CacheWarmer.Contracts.Sampling;
using CacheWarmer.HotKeyTracker;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Sampling;
using CacheWarmer.RefreshBench;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.SketchBench;

/// <summary>
/// Access samples end to end through Redis into one replica: producers XADD entries of Zipf-drawn keys to a private
/// Redis, and one <see cref="SampleStreamReader"/> reads them into a <see cref="HotKeyModel"/>, first as a backlog
/// (a replica starting behind) and then live (reading while the producers write).
/// </summary>
internal static class StreamThroughput
{
    private const int InFlightPerProducer = 64;

    public static async Task<string> RunAsync(BenchOptions options, TextWriter log)
    {
        var (entries, fields, producers) = (options.StreamEntries, options.FieldsPerEntry, options.Producers);
        await using var server = await RedisServer.StartAsync();
        await using var producerConnection = await server.ConnectAsync();
        await using var readerConnection = await server.ConnectAsync();
        var stream = (RedisKey)AccessSamples.StreamKey(AccessSamples.DefaultPrefix);
        var batches = Batches(options, options.Seed);
        var loadBefore = RunEnvironment.LoadAverage();

        log.WriteLine($"stream: writing a backlog of {entries:N0} entries x {fields} samples with {producers} producers");
        var produce = Stopwatch.StartNew();
        await ProduceAsync(producerConnection.GetDatabase(), stream, batches);
        var produced = produce.Elapsed;

        var (model, reader) = Reader(readerConnection);
        var drain = Stopwatch.StartNew();
        await reader.StartAsync(CancellationToken.None);
        await UntilAsync(() => reader.EntriesRead >= entries);
        var drained = drain.Elapsed;

        log.WriteLine("stream: writing as many again while the reader reads");
        var live = Stopwatch.StartNew();
        await ProduceAsync(producerConnection.GetDatabase(), stream, Batches(options, options.Seed + 1));
        var liveProduced = live.Elapsed;
        await UntilAsync(() => reader.EntriesRead >= 2L * entries);
        var liveCaughtUp = live.Elapsed;
        await reader.StopAsync(CancellationToken.None);

        var samples = (long)entries * fields;
        var text = new StringBuilder();
        Line(text, "| Access samples through Redis into one replica | |");
        Line(text, "|---|---|");
        Line(text, $"| Setup | private Redis {await VersionAsync(producerConnection)} on this machine; {entries:N0} entries of {fields} samples (Zipf({options.Exponent}) over {options.Distinct:N0} keys) per phase, {producers} producers pipelining {InFlightPerProducer} XADDs each; reader: `SampleStreamReader`, ReadBatch 1,000; 1-min load average {loadBefore} before, {RunEnvironment.LoadAverage()} after |");
        Line(text, $"| Producers, XADD into Redis | {Rate(samples, produced)} samples/s ({Rate(entries, produced)} entries/s) |");
        Line(text, $"| One replica draining a backlog | **{Rate(samples, drained)} samples/s** ({Rate(entries, drained)} entries/s) |");
        Line(text, $"| Live: producers and the reader at once, until the reader caught up | **{Rate(samples, liveCaughtUp)} samples/s** end to end (producers alone finished in {liveProduced.TotalSeconds:0.00} s, the reader {(liveCaughtUp - liveProduced).TotalMilliseconds:0} ms later) |");
        Line(text, $"| Samples counted by the model | {model.SamplesCounted:N0} of {2 * samples:N0} |");
        return text.ToString();
    }

    private static (HotKeyModel Model, SampleStreamReader Reader) Reader(IConnectionMultiplexer connection)
    {
        var options = Options.Create(new HotKeyOptions { Replay = TimeSpan.FromHours(1) });
        var input = Options.Create(new HotKeyInputOptions { ReadBatch = 1000, PollInterval = TimeSpan.FromMilliseconds(5) });
        var model = new HotKeyModel(options, TimeProvider.System);
        return (model, new SampleStreamReader(connection, model, options, input, TimeProvider.System, NullLogger<SampleStreamReader>.Instance));
    }

    // The entries each producer writes, drawn before timing.
    private static List<NameValueEntry[]>[] Batches(BenchOptions options, int seed)
    {
        var (entries, fields, producers) = (options.StreamEntries, options.FieldsPerEntry, options.Producers);
        var keys = new ZipfKeys(options.Distinct, options.Exponent, seed);
        var perProducer = Enumerable.Range(0, producers).Select(_ => new List<NameValueEntry[]>()).ToArray();
        for (var i = 0; i < entries; i++)
        {
            var entry = new Dictionary<string, long>(StringComparer.Ordinal);
            while (entry.Count < fields)
            {
                var key = keys.Next();
                entry[key] = entry.GetValueOrDefault(key) + 1;
            }

            perProducer[i % producers].Add([.. entry.Select(e => new NameValueEntry(e.Key, e.Value))]);
        }

        return perProducer;
    }

    private static Task ProduceAsync(IDatabase db, RedisKey stream, List<NameValueEntry[]>[] batches) =>
        Task.WhenAll(batches.Select(async entries =>
        {
            var inFlight = new List<Task>(InFlightPerProducer);
            foreach (var entry in entries)
            {
                inFlight.Add(db.StreamAddAsync(stream, entry, maxLength: AccessSamples.MaxLength, useApproximateMaxLength: true));
                if (inFlight.Count == InFlightPerProducer)
                {
                    await Task.WhenAll(inFlight);
                    inFlight.Clear();
                }
            }

            await Task.WhenAll(inFlight);
        }));

    private static async Task UntilAsync(Func<bool> done)
    {
        var timeout = Stopwatch.StartNew();
        while (!done())
        {
            if (timeout.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("The reader did not catch up within 5 minutes.");
            }

            await Task.Delay(1);
        }
    }

    private static async Task<string> VersionAsync(IConnectionMultiplexer connection) =>
        (string?)await connection.GetDatabase().ExecuteAsync("INFO", "server") is { } info
            ? info.Split('\n').FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?"
            : "?";

    private static string Rate(long count, TimeSpan elapsed) => (count / elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
