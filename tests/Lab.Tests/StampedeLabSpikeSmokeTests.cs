using CacheWarmer.StampedeLab;
using CacheWarmer.StampedeLab.Scenarios;

namespace CacheWarmer.Lab.Tests;

/// <summary>
/// The bursts and warmup scenarios end to end, every strategy, two reader processes, in StampedeLabSmokeTests' way
/// (real Redis and PostgreSQL; counts, never timings). What must hold: where no read comes before the expiry or the
/// spike, every peer's readers load from the database, and the readers beside the worker load nothing.
/// </summary>
public sealed class StampedeLabSpikeSmokeTests : IDisposable
{
    private const int Requests = 40;
    private const int Keys = 10;
    private readonly DirectoryInfo _out = Directory.CreateTempSubdirectory("stampede-lab-spike-test-");

    [Fact]
    public async Task Bursts_after_an_idle_expiry_cost_every_peer_a_load_and_the_readers_beside_the_worker_none()
    {
        var spikes = await RunAsync("--scenario", "bursts", "--bursts", "1", "--backend-delay", "0.3", "--ttl", "6");

        foreach (var s in spikes)
        {
            Assert.True(s.Requests == Requests, $"{s.Strategy}: {s.Requests} reads in the counted burst, expected {Requests}");
            if (LabOptions.RunsWorker(s.Strategy))
            {
                Assert.True(s.ReaderQueries == 0, $"{s.Strategy}: the readers ran {s.ReaderQueries} queries at the burst; the worker should have refreshed the key ahead ({s.QueriesAhead} worker queries ahead). {string.Join("; ", s.Timeline)}");
                Assert.True(s.QueriesAhead >= 1, $"{s.Strategy}: no worker query ahead of the burst");
            }
            else
            {
                // Nothing read the key while it expired: whatever the peer, the burst after it went to the database.
                Assert.True(s.ReaderQueriesPerBurst.All(q => q >= 1), $"{s.Strategy}: a burst after an idle expiry ran no query ({string.Join(" / ", s.ReaderQueriesPerBurst)})");
            }
        }

        var none = spikes.Single(s => s.Strategy == "none");
        Assert.Equal(none.Misses, none.ReaderQueries);
    }

    [Fact]
    public async Task At_a_spike_on_cold_keys_every_peer_loads_each_key_and_the_readers_beside_the_warmed_worker_load_none()
    {
        var spikes = await RunAsync("--scenario", "warmup", "--keys", $"{Keys}", "--lead", "5", "--backend-delay", "0.2", "--ttl", "10");

        foreach (var s in spikes)
        {
            if (LabOptions.RunsWorker(s.Strategy))
            {
                Assert.True(s.ReaderQueries == 0, $"{s.Strategy}: the spike's readers ran {s.ReaderQueries} queries; the warmup should have loaded every key. {string.Join("; ", s.Timeline)}");
                Assert.True(s.Misses == 0, $"{s.Strategy}: {s.Misses} spike readers missed");
                Assert.True(s.QueriesAhead >= Keys, $"{s.Strategy}: the worker loaded {s.QueriesAhead} keys before the spike, expected {Keys}");
            }
            else
            {
                Assert.True(s.ReaderQueries >= Keys, $"{s.Strategy}: {s.ReaderQueries} reader queries for {Keys} cold keys");
            }
        }
    }

    public void Dispose() => _out.Delete(recursive: true);

    private async Task<IReadOnlyList<SpikeOutcome>> RunAsync(params string[] scenario)
    {
        string[] args = [.. scenario, "--requests", $"{Requests}", "--replicas", "2", "--parallel", "--out", _out.FullName];

        var (exitCode, report) = await LabProgram.RunAsync(args, TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.NotNull(report);
        var markdown = await File.ReadAllTextAsync(Path.Combine(_out.FullName, "results.md"), TestContext.Current.CancellationToken);
        Assert.Equal(LabOptions.AllStrategies, report.Spikes.Select(s => s.Strategy));
        foreach (var s in report.Spikes)
        {
            Assert.Contains($"| {s.Strategy} |", markdown, StringComparison.Ordinal);
            Assert.True(s.Processes == 2, $"{s.Strategy}: {s.Processes} reader processes");
            Assert.True(s.Wrong == 0, $"{s.Strategy}: {s.Wrong} reads got a wrong value");
            Assert.True(s.Errors == 0, $"{s.Strategy}: {s.Errors} reads failed: {s.FirstError}");
        }

        return report.Spikes;
    }
}
