using System.Diagnostics;
using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Report;
using CacheWarmer.StampedeLab.Scenarios;

namespace CacheWarmer.StampedeLab;

/// <summary>One lab run: private servers, then every strategy of the scenario, one after another (or together).</summary>
internal static class LabRun
{
    public static async Task<LabReport> RunAsync(LabOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var loadBefore = RunEnvironment.LoadAverage();
        Console.WriteLine($"Starting Redis and PostgreSQL ({options.Scenario.ToString().ToLowerInvariant()}, strategies {string.Join(",", options.Strategies)}, {options.Replicas} reader process(es))");
        var work = Directory.CreateTempSubdirectory("stampede-lab-");
        try
        {
            await using var servers = await LabServers.StartAsync(Math.Max(options.Keys, 10), cancellationToken);
            var expiry = new List<ExpiryOutcome>();
            var zipf = new List<ZipfOutcome>();
            var spikes = new List<SpikeOutcome>();
            if (options.Parallel)
            {
                var runs = options.Strategies.Select(s => RunOneAsync(servers, options, s, work.FullName, cancellationToken)).ToList();
                foreach (var (e, z, s) in await Task.WhenAll(runs))
                {
                    AddTo(e, z, s);
                }
            }
            else
            {
                foreach (var strategy in options.Strategies)
                {
                    if (options.Flush)
                    {
                        await servers.Admin.GetServers()[0].FlushDatabaseAsync();
                        Console.WriteLine($"{strategy}: FLUSHDB");
                    }

                    var (e, z, s) = await RunOneAsync(servers, options, strategy, work.FullName, cancellationToken);
                    AddTo(e, z, s);
                }
            }

            var info = await servers.Admin.GetServers()[0].InfoAsync("server");
            return new LabReport
            {
                Options = options,
                Machine = RunEnvironment.Read(),
                RedisVersion = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "redis_version").Value ?? "?",
                PostgresVersion = await servers.Catalog.ServerVersionAsync(),
                LoadAverageBefore = loadBefore,
                LoadAverageAfter = RunEnvironment.LoadAverage(),
                Expiry = expiry,
                Zipf = zipf,
                Spikes = spikes,
                Elapsed = clock.Elapsed,
            };

            void AddTo(ExpiryOutcome? e, ZipfOutcome? z, SpikeOutcome? s)
            {
                if (s is not null)
                {
                    spikes.Add(s);
                }

                if (e is not null)
                {
                    expiry.Add(e);
                }

                if (z is not null)
                {
                    zipf.Add(z);
                }
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<(ExpiryOutcome?, ZipfOutcome?, SpikeOutcome?)> RunOneAsync(LabServers servers, LabOptions options, string strategy, string work, CancellationToken cancellationToken)
    {
        Console.WriteLine($"{strategy}: starting {options.Replicas} reader process(es)");
        switch (options.Scenario)
        {
            case LabScenario.Expiry:
                var outcome = await ExpiryScenario.RunAsync(servers, options, strategy, work, cancellationToken);
                Console.WriteLine(LabMarkdown.ExpiryLine(outcome));
                return (outcome, null, null);
            case LabScenario.Zipf:
                var zipf = await ZipfScenario.RunAsync(servers, options, strategy, work, cancellationToken);
                Console.WriteLine(LabMarkdown.ZipfLine(zipf));
                return (null, zipf, null);
            default:
                var spike = await SpikeScenario.RunAsync(servers, options, strategy, work, cancellationToken);
                Console.WriteLine(SpikeMarkdown.Line(spike));
                return (null, null, spike);
        }
    }
}
