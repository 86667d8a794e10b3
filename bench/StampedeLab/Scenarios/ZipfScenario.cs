using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Reader;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>
/// Steady Zipf(1.1) reads over many keys for a while, one strategy at a time: what each strategy costs the backend
/// per second, and how many reads miss.
/// </summary>
internal static class ZipfScenario
{
    public static async Task<ZipfOutcome> RunAsync(LabServers servers, LabOptions options, string strategy, string workDirectory, CancellationToken cancellationToken)
    {
        var ns = ReaderSpecs.Namespace(strategy);
        WorkerReplica? worker = LabOptions.RunsWorker(strategy) ? await LabWorker.StartAsync(servers, options, strategy, cancellationToken) : null;
        try
        {
            var specs = Enumerable.Range(1, options.Replicas).Select(p => ReaderSpecs.For(LabScenario.Zipf, servers, options, strategy, p, workDirectory) with
            {
                Keys = options.Keys,
                DurationSeconds = options.Duration.TotalSeconds,
                Rate = Math.Max(1, options.Rate / options.Replicas),
            }).ToList();

            var readers = ReaderProcesses.RunAsync(specs, workDirectory, options.Duration + TimeSpan.FromMinutes(5), cancellationToken);
            var start = await StartLine.ReleaseAsync(servers.Admin.GetDatabase(), ns, options.Replicas, readers, cancellationToken);
            var results = await readers;
            if (worker is not null)
            {
                await worker.StopAsync();
            }

            var seconds = (int)Math.Ceiling(options.Duration.TotalSeconds);
            var loads = (await servers.LoadsOfAsync(strategy))
                .Where(l => l.At >= start.UtcDateTime && l.At < (start + options.Duration).UtcDateTime)
                .ToList();
            var perSecond = new int[seconds];
            foreach (var load in loads)
            {
                perSecond[Math.Clamp((int)(load.At - start.UtcDateTime).TotalSeconds, 0, seconds - 1)]++;
            }

            var firstTtl = (int)Math.Ceiling(options.Ttl.TotalSeconds);
            return new ZipfOutcome
            {
                ReadsAfterFirstTtl = results.Sum(r => r.ReadsPerSecond.Skip(firstTtl).Sum()),
                MissesAfterFirstTtl = results.Sum(r => r.MissesPerSecond.Skip(firstTtl).Sum()),
                Strategy = strategy,
                Reads = results.Sum(r => r.SteadyReads),
                Misses = results.Sum(r => r.SteadyMisses),
                Wrong = results.Sum(r => r.Wrong),
                Errors = results.Sum(r => r.Errors),
                Queries = loads.Count,
                QueriesByWorker = loads.Count(l => l.Replica.EndsWith("-worker", StringComparison.Ordinal)),
                QueriesPerSecond = perSecond,
                Seconds = options.Duration.TotalSeconds,
                FirstError = results.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
            };
        }
        finally
        {
            if (worker is not null)
            {
                await worker.DisposeAsync();
            }
        }
    }
}
