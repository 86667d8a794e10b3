using System.Diagnostics;
using CacheWarmer.StampedeLab.Strategies;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Reader;

/// <summary>
/// The bursts and warmup scenarios in one reader process: no steady load, only bursts. For each burst the parent
/// publishes when it starts; this process's share of readers arrives then, all at once, each reading one of the
/// spec's keys (reader n of all processes reads product 1 + n mod keys), and reports the burst done. Between bursts
/// nothing is read, so a cache that refreshes only on a read sees the key idle.
/// </summary>
internal sealed class SpikeReader(ReaderSpec spec, IDatabase db, IReadStrategy strategy, string[] expected)
{
    private long _errors;
    private string? _firstError;

    public async Task<ReaderResult> RunAsync()
    {
        var reads = new List<BurstRead>();
        var starts = new long[spec.Bursts];
        var ends = new long[spec.Bursts];
        for (var round = 0; round < spec.Bursts; round++)
        {
            var at = await PublishedAsync(ReaderSpec.RoundKey(spec.Namespace, round));
            await ReaderProgram.WaitUntilAsync(at);
            starts[round] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var burst = new Task<BurstRead>[spec.Requests];
            for (var i = 0; i < burst.Length; i++)
            {
                burst[i] = ReadAsync(1 + ((spec.ReaderOffset + i) % spec.Keys), round);
            }

            reads.AddRange(await Task.WhenAll(burst));
            ends[round] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Console.WriteLine($"p{spec.Process} {spec.Strategy}: burst {round} started {starts[round] - at} ms late, done in {ends[round] - starts[round]} ms");
            await db.StringIncrementAsync(ReaderSpec.RoundDoneKey(spec.Namespace, round));
        }

        return new ReaderResult
        {
            Burst = reads,
            RoundStartsUnixMs = starts,
            RoundEndsUnixMs = ends,
            Wrong = reads.Count(r => !r.Correct && !r.Error),
            Errors = Interlocked.Read(ref _errors),
            FirstError = _firstError,
        };
    }

    private async Task<long> PublishedAsync(RedisKey key)
    {
        while (true)
        {
            if ((long?)await db.StringGetAsync(key) is { } at)
            {
                return at;
            }

            await Task.Delay(10);
        }
    }

    private async Task<BurstRead> ReadAsync(int id, int round)
    {
        // As in the expiry burst: the clock starts at arrival, and every reader arrives before any runs.
        var clock = Stopwatch.StartNew();
        await Task.Yield();
        try
        {
            var o = await strategy.ReadAsync(id, CancellationToken.None);
            return new BurstRead(clock.Elapsed.TotalMilliseconds, o.Miss, o.TimedOut, Error: false, o.Value == expected[id], round, o.Stale);
        }
#pragma warning disable CA1031 // A failed read is a result of the run, not a crash of the lab.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, e.GetType().Name + ": " + e.Message, null);
            return new BurstRead(clock.Elapsed.TotalMilliseconds, Miss: true, TimedOut: false, Error: true, Correct: false, round);
        }
    }
}
