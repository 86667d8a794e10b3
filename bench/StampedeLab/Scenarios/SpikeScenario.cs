using System.Globalization;
using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Reader;
using CacheWarmer.TestUtils;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>
/// Bursts of readers with nothing read between them, one strategy at a time.
/// <list type="bullet">
/// <item><b>bursts</b>: one key, hot in bursts and idle when it expires. A cold burst loads it; each next burst
/// arrives <see cref="ExpiryScenario.AfterExpiry"/> after the entry there expired, and nothing reads it in between,
/// so an eager refresh that waits for a read never fires. The worker, told of the reads by access samples, keeps the
/// key managed and refreshes it ahead.</item>
/// <item><b>warmup</b>: a set of keys not in Redis before a known spike. A cron warmup (the worker's Warmups) fires
/// <see cref="LabOptions.Lead"/> before the spike and warms them; the spike's readers spread over the keys. Without
/// the worker the first reader of each key misses.</item>
/// </list>
/// </summary>
internal static class SpikeScenario
{
    public static async Task<SpikeOutcome> RunAsync(LabServers servers, LabOptions options, string strategy, string workDirectory, CancellationToken cancellationToken)
    {
        var ns = ReaderSpecs.Namespace(strategy);
        var warmup = options.Scenario == LabScenario.Warmup;
        var keys = warmup ? options.Keys : 1;
        var rounds = warmup ? 1 : options.Bursts + 1;
        WorkerReplica? worker = !warmup && LabOptions.RunsWorker(strategy) ? await LabWorker.StartAsync(servers, options, strategy, cancellationToken) : null;
        try
        {
            var specs = Enumerable.Range(1, options.Replicas).Select(p => ReaderSpecs.For(options.Scenario, servers, options, strategy, p, workDirectory) with
            {
                Requests = Share(options, p),
                ReaderOffset = Enumerable.Range(1, p - 1).Sum(q => Share(options, q)),
                Keys = keys,
                Bursts = rounds,
            }).ToList();

            var timeout = warmup ? options.Lead + TimeSpan.FromMinutes(5) : ((options.Ttl + (options.BackendDelay * 4)) * rounds) + TimeSpan.FromMinutes(5);
            var readers = ReaderProcesses.RunAsync(specs, workDirectory, timeout, cancellationToken);
            var start = await StartLine.ReleaseAsync(servers.Admin.GetDatabase(), ns, options.Replicas, readers, cancellationToken);
            long spikeAt = 0;
            if (warmup)
            {
                // The spike's time is fixed before the worker starts, as a real one is; the warmup fires Lead before it.
                var fire = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeSeconds() + 1);
                spikeAt = (fire + options.Lead).ToUnixTimeMilliseconds();
                if (LabOptions.RunsWorker(strategy))
                {
                    worker = await LabWorker.StartAsync(servers, options, strategy, cancellationToken, new WarmupPlan(fire, keys));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{strategy}: {keys} cold keys; warmup fires at {fire:HH:mm:ss}, the spike of {options.Requests} readers {options.Lead.TotalSeconds:0.###} s later"));
                await PublishAsync(servers, ns, 0, spikeAt);
                await WaitDoneAsync(servers, options, ns, 0, readers, cancellationToken);
            }
            else
            {
                await PublishAsync(servers, ns, 0, start.AddSeconds(1).ToUnixTimeMilliseconds());
                for (var round = 0; round < rounds - 1; round++)
                {
                    await WaitDoneAsync(servers, options, ns, round, readers, cancellationToken);
                    await WaitQuietAsync(servers, options, strategy, cancellationToken);
                    var key = await ExpiryScenario.FindDataKeyAsync(servers, strategy, ns)
                        ?? throw new InvalidOperationException($"{strategy}: no entry of product 1 under {ns} after burst {round}.");
                    var expiry = await ExpiryScenario.ExpiryAsync(servers.Admin.GetDatabase(), key, options.BackendDelay + TimeSpan.FromMilliseconds(100))
                        ?? throw new InvalidOperationException($"{strategy}: {key} has no expiry.");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{strategy}: idle; {key} expires in {(expiry - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) / 1000.0:0.000} s; burst {round + 1} arrives then"));
                    await PublishAsync(servers, ns, round + 1, expiry + (long)ExpiryScenario.AfterExpiry.TotalMilliseconds);
                }
            }

            var results = await readers;
            if (worker is not null)
            {
                await worker.StopAsync();
            }

            return Measure(strategy, start, await servers.LoadsOfAsync(strategy), results, first: warmup ? 0 : 1, warmup ? spikeAt : null);
        }
        finally
        {
            if (worker is not null)
            {
                await worker.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Nothing is read between bursts, so every reader query from a burst's start to the next burst's start (the end
    /// of the run for the last) is that burst's, a library's background completion included; every worker query
    /// since the previous burst's start ran ahead of it.
    /// </summary>
    private static SpikeOutcome Measure(string strategy, DateTimeOffset start, List<CatalogLoad> loads, ReaderResult[] results, int first, long? spikeAt)
    {
        var rounds = results[0].RoundStartsUnixMs.Length;
        var starts = Enumerable.Range(0, rounds).Select(r => results.Min(x => x.RoundStartsUnixMs[r])).ToArray();
        var perBurst = new List<int>();
        var ahead = 0;
        var timeline = new List<string>();
        for (var round = first; round < rounds; round++)
        {
            var from = starts[round];
            var to = round + 1 < rounds ? starts[round + 1] : long.MaxValue;
            var since = round == 0 ? start.ToUnixTimeMilliseconds() : starts[round - 1];
            perBurst.Add(loads.Count(l => !ByWorker(l) && Ms(l) >= from && Ms(l) < to));
            ahead += loads.Count(l => ByWorker(l) && Ms(l) >= since && Ms(l) < from);
            var around = loads.Where(l => Ms(l) >= since && Ms(l) < to && (ByWorker(l) || Ms(l) >= from)).Take(8);
            timeline.Add($"burst {round}: " + (around.Any() ? string.Join(", ", around.Select(l => string.Create(CultureInfo.InvariantCulture, $"{Ms(l) - from:+0;-0} {l.Replica["lab-".Length..]}"))) : "none"));
        }

        var counted = results.SelectMany(r => r.Burst).Where(b => b.Round >= first).ToList();
        var workerLoads = loads.Where(ByWorker).ToList();
        return new SpikeOutcome
        {
            Strategy = strategy,
            Processes = results.Length,
            Requests = counted.Count,
            Latencies = counted.Select(b => b.LatencyMs).Order().ToArray(),
            ReaderQueriesPerBurst = [.. perBurst],
            QueriesAhead = ahead,
            QueriesByWorker = workerLoads.Count,
            Misses = counted.Count(b => b.Miss),
            Stale = counted.Count(b => b.Stale),
            Errors = counted.Count(b => b.Error),
            Wrong = counted.Count(b => !b.Correct && !b.Error),
            LastWorkerLoadMs = spikeAt is { } at && workerLoads.Count > 0 ? workerLoads.Max(Ms) - at : null,
            Timeline = timeline,
            FirstError = results.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
        };

        static bool ByWorker(CatalogLoad l) => l.Replica.EndsWith("-worker", StringComparison.Ordinal);
        static long Ms(CatalogLoad l) => new DateTimeOffset(l.At, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    private static int Share(LabOptions options, int process) =>
        (options.Requests / options.Replicas) + (process <= options.Requests % options.Replicas ? 1 : 0);

    private static Task PublishAsync(LabServers servers, string ns, int round, long unixMs) =>
        servers.Admin.GetDatabase().StringSetAsync(ReaderSpec.RoundKey(ns, round), unixMs, TimeSpan.FromHours(1));

    private static async Task WaitDoneAsync(LabServers servers, LabOptions options, string ns, int round, Task readers, CancellationToken cancellationToken)
    {
        var db = servers.Admin.GetDatabase();
        while ((long?)await db.StringGetAsync(ReaderSpec.RoundDoneKey(ns, round)) is not { } done || done < options.Replicas)
        {
            if (readers.IsCompleted)
            {
                await readers; // a reader process failed: surface its error
                throw new InvalidOperationException($"The reader processes under {ns} ended before burst {round} was done.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Waits until the readers run no query (a library's factory may go on in the background after a burst).</summary>
    private static async Task WaitQuietAsync(LabServers servers, LabOptions options, string strategy, CancellationToken cancellationToken)
    {
        await Task.Delay(options.BackendDelay + TimeSpan.FromMilliseconds(200), cancellationToken);
        for (var p = 1; p <= options.Replicas; p++)
        {
            while (await servers.Catalog.ActiveQueriesAsync(LabServers.AppName(strategy, $"p{p}")) > 0)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
