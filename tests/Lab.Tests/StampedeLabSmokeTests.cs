using CacheWarmer.StampedeLab;
using CacheWarmer.StampedeLab.Scenarios;

namespace CacheWarmer.Lab.Tests;

/// <summary>
/// Runs the lab end to end on real Redis and PostgreSQL (started by tests/TestUtils; without them the run fails
/// saying how to install them): a short expiry burst, every strategy, one and two reader processes. Asserts only what
/// holds whatever the machine's speed: no timing, and no count that depends on who wins a race.
/// </summary>
public sealed class StampedeLabSmokeTests : IDisposable
{
    private const int Requests = 50;
    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("stampede-lab-test-");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Expiry_burst_every_strategy_reads_the_right_value_and_coalescing_strategies_query_once(int processes)
    {
        string[] args =
        [
            "--scenario", "expiry", "--requests", $"{Requests}", "--backend-delay", "0.3", "--ttl", "4",
            "--replicas", $"{processes}", "--parallel", "--out", _out.FullName,
        ];

        var (exitCode, report) = await LabProgram.RunAsync(args, TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.NotNull(report);
        var markdown = await File.ReadAllTextAsync(Path.Combine(_out.FullName, "results.md"), TestContext.Current.CancellationToken);
        var svg = await File.ReadAllTextAsync(Path.Combine(_out.FullName, "expiry.svg"), TestContext.Current.CancellationToken);
        Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
        Assert.Equal(LabOptions.AllStrategies, report.Expiry.Select(e => e.Strategy));
        foreach (var strategy in LabOptions.AllStrategies)
        {
            Assert.Contains($"| {strategy} |", markdown, StringComparison.Ordinal);
            Assert.Contains($">{strategy}</text>", svg, StringComparison.Ordinal);
        }

        foreach (var e in report.Expiry)
        {
            Assert.True(e.Requests == Requests, $"{e.Strategy}: {e.Requests} burst reads, expected {Requests}");
            Assert.True(e.Processes == processes, $"{e.Strategy}: {e.Processes} reader processes");
            Assert.True(e.Wrong == 0, $"{e.Strategy}: {e.Wrong} reads got a wrong value");
            Assert.True(e.Errors == 0, $"{e.Strategy}: {e.Errors} reads failed: {e.FirstError}");
        }

        // Cache-aside readers run one query per miss, nothing else: the database counts exactly the readers' misses.
        foreach (var e in report.Expiry.Where(e => e.Strategy is "none" or "cachewarmer"))
        {
            Assert.True(
                e.Misses + e.LateSteadyMisses == e.ReaderQueriesInBurst,
                $"{e.Strategy}: {e.Misses} burst misses + {e.LateSteadyMisses} late steady misses, but the database ran {e.ReaderQueriesInBurst} reader queries in the burst");
        }

        // The key expired under the readers of plain cache-aside: someone saw the miss and paid a query.
        Assert.True(Get(report.Expiry, "none").Misses >= 1, "none: no reader saw the expired key");

        // One distributed lock: one query for the expiry, plus one per reader that ran out of retries.
        var lockRun = Get(report.Expiry, "lock");
        Assert.Equal(1 + lockRun.Timeouts + lockRun.LateSteadyTimeouts, lockRun.ReaderQueriesInBurst);

        // Single flight coalesces per process: exactly one query with one process, at most one per process.
        var flight = Get(report.Expiry, "singleflight");
        if (processes == 1)
        {
            Assert.Equal(1, flight.ReaderQueriesInBurst);
        }
        else
        {
            Assert.InRange(flight.ReaderQueriesInBurst, 1, processes);
        }
    }

    public void Dispose() => _out.Delete(recursive: true);

    private static ExpiryOutcome Get(IEnumerable<ExpiryOutcome> outcomes, string strategy) => outcomes.Single(e => e.Strategy == strategy);
}
