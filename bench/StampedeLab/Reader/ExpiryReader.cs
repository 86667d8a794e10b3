using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CacheWarmer.StampedeLab.Strategies;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Reader;

/// <summary>
/// The expiry scenario in one reader process: from the start, one read of the popular key every
/// <see cref="SteadyInterval"/> (the key is popular, and refresh-ahead strategies see it read), until the parent
/// publishes when the key expires; then this process's share of the burst arrives at that instant, all at once.
/// </summary>
internal sealed class ExpiryReader(ReaderSpec spec, IDatabase db, IReadStrategy strategy, string[] expected)
{
    public const int ProductId = 1;
    public static readonly TimeSpan SteadyInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The steady load stops this long before the burst, so it cannot be mistaken for part of it.</summary>
    public static readonly TimeSpan SteadyStopsBefore = TimeSpan.FromMilliseconds(500);

    private readonly ConcurrentBag<Task<ReadOutcome?>> _steady = [];
    private readonly ConcurrentBag<Task<ReadOutcome?>> _lateSteady = [];
    private long _wrong;
    private long _errors;
    private string? _firstError;

    public async Task<ReaderResult> RunAsync(long startUnixMs)
    {
        await ReaderProgram.WaitUntilAsync(startUnixMs);
        Say("steady load started");
        var burstAt = await SteadyUntilBurstAsync();
        await ReaderProgram.WaitUntilAsync(burstAt);
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var reads = new Task<BurstRead>[spec.Requests];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = BurstReadAsync();
        }

        var burst = await Task.WhenAll(reads);
        var ended = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Say(string.Create(CultureInfo.InvariantCulture, $"burst of {burst.Length} started {started - burstAt} ms after the expiry instant, done in {ended - started} ms"));
        if (spec.Verbose)
        {
            for (var i = 0; i < burst.Length; i++)
            {
                var r = burst[i];
                Say(string.Create(CultureInfo.InvariantCulture, $"reader {i + 1}: {r.LatencyMs:0.0} ms {(r.Miss ? "miss" : "hit")}{(r.TimedOut ? " timeout" : "")}{(r.Error ? " error" : "")}{(r.Correct ? "" : " WRONG")}"));
            }
        }

        var steady = await Task.WhenAll(_steady);
        var late = await Task.WhenAll(_lateSteady);
        return new ReaderResult
        {
            BurstUnixMs = started,
            BurstEndUnixMs = ended,
            Burst = [.. burst],
            SteadyReads = steady.Length + late.Length,
            SteadyMisses = steady.Concat(late).Count(s => s is null || s.Value.Miss),
            LateSteadyMisses = late.Count(s => s is null || s.Value.Miss),
            LateSteadyTimeouts = late.Count(s => s is { TimedOut: true }),
            Wrong = Interlocked.Read(ref _wrong),
            Errors = Interlocked.Read(ref _errors),
            FirstError = _firstError,
        };
    }

    /// <summary>Reads every 100 ms until the burst instant is published and near (<see cref="SteadyStopsBefore"/>); returns it (Unix ms).</summary>
    private async Task<long> SteadyUntilBurstAsync()
    {
        var burstKey = ReaderSpec.BurstKey(spec.Namespace);
        long? burstAt = null;
        using var timer = new PeriodicTimer(SteadyInterval);
        while (true)
        {
            if (burstAt is { } at && at - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= SteadyStopsBefore.TotalMilliseconds)
            {
                return at;
            }

            (burstAt is null ? _steady : _lateSteady).Add(SafeReadAsync());
            if (burstAt is null && (long?)await db.StringGetAsync(burstKey) is { } published)
            {
                burstAt = published;
                Say(string.Create(CultureInfo.InvariantCulture, $"burst due in {published - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} ms"));
            }

            await timer.WaitForNextTickAsync();
        }
    }

    private async Task<BurstRead> BurstReadAsync()
    {
        // The clock starts at arrival; yielding then lets every reader of the burst arrive before any runs its GET.
        var clock = Stopwatch.StartNew();
        await Task.Yield();
        var outcome = await SafeReadAsync();
        return outcome is { } o
            ? new BurstRead(clock.Elapsed.TotalMilliseconds, o.Miss, o.TimedOut, Error: false, o.Value == expected[ProductId])
            : new BurstRead(clock.Elapsed.TotalMilliseconds, Miss: true, TimedOut: false, Error: true, Correct: false);
    }

    /// <summary>One read through the strategy; null when it threw (counted in errors, not in wrong values).</summary>
    private async Task<ReadOutcome?> SafeReadAsync()
    {
        try
        {
            var outcome = await strategy.ReadAsync(ProductId, CancellationToken.None);
            if (outcome.Value != expected[ProductId])
            {
                Interlocked.Increment(ref _wrong);
            }

            return outcome;
        }
#pragma warning disable CA1031 // A failed read is a result of the run (pool exhausted, timeouts), not a crash of the lab.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, e.GetType().Name + ": " + e.Message, null);
            return null;
        }
    }

    private void Say(string line) => Console.WriteLine($"p{spec.Process} {spec.Strategy}: {line}");
}
