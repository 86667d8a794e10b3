using System.Globalization;
using CacheWarmer.StampedeLab.Strategies;
using CacheWarmer.TestUtils;

namespace CacheWarmer.StampedeLab.Reader;

/// <summary>
/// The zipf scenario in one reader process: reads at a steady <see cref="ReaderSpec.Rate"/> per second, each of a key
/// drawn from Zipf(<see cref="Exponent"/>) over the spec's keys, for the spec's duration. Counts reads and misses per
/// second; a read is checked against the product's row.
/// </summary>
internal sealed class ZipfReader(ReaderSpec spec, IReadStrategy strategy, string[] expected)
{
    public const double Exponent = 1.1;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    private long[] _reads = [];
    private long[] _misses = [];
    private long _wrong;
    private long _errors;
    private string? _firstError;

    public async Task<ReaderResult> RunAsync(long startUnixMs)
    {
        var seconds = (int)Math.Ceiling(spec.DurationSeconds) + 1;
        _reads = new long[seconds];
        _misses = new long[seconds];
        var keys = new ZipfKeys(spec.Keys, Exponent, seed: 1000 + spec.Process, prefix: string.Empty);
        var inFlight = new List<Task>();
        await ReaderProgram.WaitUntilAsync(startUnixMs);
        Console.WriteLine($"p{spec.Process} {spec.Strategy}: zipf load started, {spec.Rate} reads/s");
        var end = startUnixMs + (long)(spec.DurationSeconds * 1000);
        using var timer = new PeriodicTimer(Tick);
        long issued = 0;
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() is var now && now < end)
        {
            // Reads owed since the start at the target rate: a late tick catches up instead of lowering the rate.
            var due = (now - startUnixMs) / 1000.0 * spec.Rate;
            for (; issued < due; issued++)
            {
                inFlight.Add(ReadAsync(keys.NextRank(), (int)((now - startUnixMs) / 1000)));
            }

            if (inFlight.Count > 10_000)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }

            await timer.WaitForNextTickAsync();
        }

        await Task.WhenAll(inFlight);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p{spec.Process} {spec.Strategy}: {issued} reads, {_misses.Sum()} misses, {_errors} errors"));
        return new ReaderResult
        {
            SteadyReads = _reads.Sum(),
            SteadyMisses = _misses.Sum(),
            Wrong = _wrong,
            Errors = _errors,
            FirstError = _firstError,
            ReadsPerSecond = _reads,
            MissesPerSecond = _misses,
        };
    }

    private async Task ReadAsync(int id, int second)
    {
        try
        {
            var outcome = await strategy.ReadAsync(id, CancellationToken.None);
            Interlocked.Increment(ref _reads[second]);
            if (outcome.Miss)
            {
                Interlocked.Increment(ref _misses[second]);
            }

            if (outcome.Value != expected[id])
            {
                Interlocked.Increment(ref _wrong);
            }
        }
#pragma warning disable CA1031 // A failed read is a result of the run, not a crash of the lab.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, e.GetType().Name + ": " + e.Message, null);
        }
    }
}
