using System.Diagnostics;
using CacheWarmer.RefreshBench;

namespace CacheWarmer.SchedulerBench;

/// <summary>What one contender did with N keys: plan time, memory, and how late the refreshes fired.</summary>
internal sealed record TriggerResult(string Name, int Keys, TimeSpan Ttl, TimeSpan PlanTime, long HeapBytes, int Fires, TimeSpan Measured, double[] LagsMs)
{
    public double FiresPerSecond => Fires / Measured.TotalSeconds;
}

/// <summary>
/// Plans N keys spread over one TTL; each fire simulates a refresh (a short await) and plans the key again one TTL
/// later (uniform in 0.5–1.5 TTL), so the fire rate stays at about N / TTL. Lag is measured after a warm-up.
/// </summary>
internal static class TriggerRun
{
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(5);

    public static async Task<TriggerResult> RunAsync(
        Func<Func<string, DateTimeOffset, Task>, Task<IContender>> start,
        string[] keys,
        BenchOptions options,
        CancellationToken cancellationToken)
    {
        var ttl = options.Ttl;
        var lags = new List<double>(capacity: 1 << 16);
        var measuring = false;
        IContender? contender = null;

        async Task FiredAsync(string key, DateTimeOffset planned)
        {
            var lag = (DateTimeOffset.UtcNow - planned).TotalMilliseconds;
            if (Volatile.Read(ref measuring))
            {
                lock (lags)
                {
                    lags.Add(lag);
                }
            }

            await Task.Delay(options.Work, CancellationToken.None);
            await contender!.PlanAsync(key, DateTimeOffset.UtcNow + (ttl * (0.5 + Random.Shared.NextDouble())));
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        contender = await start(FiredAsync);
        await using var _ = contender;
        var planned = Stopwatch.StartNew();
        var first = DateTimeOffset.UtcNow + Lead;
        foreach (var key in keys)
        {
            await contender.PlanAsync(key, first + (ttl * Random.Shared.NextDouble()));
        }

        var planTime = planned.Elapsed;
        var heap = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine($"  {contender.Name}: {keys.Length:N0} keys planned in {planTime.TotalSeconds:F2} s, +{heap / 1e6:F0} MB managed heap");

        var warmUntil = first + options.WarmUp;
        if (warmUntil > DateTimeOffset.UtcNow)
        {
            await Task.Delay(warmUntil - DateTimeOffset.UtcNow, cancellationToken);
        }

        Volatile.Write(ref measuring, true);
        var measured = Stopwatch.StartNew();
        while (measured.Elapsed < options.Measure)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            int count;
            lock (lags)
            {
                count = lags.Count;
            }

            Console.WriteLine($"  {measured.Elapsed.TotalSeconds,5:F0} s: {count:N0} fires, load average {RunEnvironment.LoadAverage()}");
        }

        Volatile.Write(ref measuring, false);
        double[] sorted;
        lock (lags)
        {
            sorted = [.. lags];
        }

        Array.Sort(sorted);
        return new TriggerResult(contender.Name, keys.Length, ttl, planTime, heap, sorted.Length, measured.Elapsed, sorted);
    }
}
