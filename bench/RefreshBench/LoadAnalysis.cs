using System.Globalization;
using CacheWarmer.TestUtils;

namespace CacheWarmer.RefreshBench;

/// <summary>
/// The database's own record of loads, per key. A cycle of a key is the interval between two of its loads, so two
/// loads closer than <see cref="BenchOptions.SameCycleWindow"/> count as two loads in one cycle.
/// </summary>
internal sealed record LoadAnalysis(
    long Total,
    int KeysLoaded,
    int MinPerKey,
    int MaxPerKey,
    int ClosePairs,
    IReadOnlyList<string> ClosePairDetails,
    int MaxInOneCycle,
    double MeanPerKeyPerTtl,
    double[] Intervals,
    IReadOnlyDictionary<string, long> ByReplica,
    double[] FirstLoads,
    int PeakPerSecond,
    int PeakSecond)
{
    private const int Details = 8;

    /// <param name="loads">Loads per product id, in order.</param>
    /// <param name="start">When the app wrote the keys (UTC); load times are shown relative to it.</param>
    /// <param name="elapsed">How long the workers ran after that.</param>
    public static LoadAnalysis From(IReadOnlyDictionary<int, List<CatalogLoad>> loads, DateTime start, TimeSpan elapsed, BenchOptions options)
    {
        var total = loads.Values.Sum(l => (long)l.Count);
        var closePairs = 0;
        var pairs = new List<(TimeSpan Gap, string Text)>();
        var maxInOneCycle = loads.Count == 0 ? 0 : 1;
        var intervals = new List<double>();
        foreach (var (id, times) in loads.OrderBy(l => l.Key))
        {
            var inCycle = 1;
            for (var i = 1; i < times.Count; i++)
            {
                var gap = times[i].At - times[i - 1].At;
                intervals.Add(gap.TotalSeconds);
                if (gap >= options.SameCycleWindow)
                {
                    inCycle = 1;
                    continue;
                }

                closePairs++;
                inCycle++;
                maxInOneCycle = Math.Max(maxInOneCycle, inCycle);
                pairs.Add((gap, string.Create(
                    CultureInfo.InvariantCulture,
                    $"product {id}: {Describe(times[i - 1], start)} then {Describe(times[i], start)} ({gap.TotalMilliseconds:0} ms apart)")));
            }
        }

        intervals.Sort();
        var perKey = Enumerable.Range(1, options.Keys).Select(id => loads.TryGetValue(id, out var l) ? l.Count : 0).ToList();
        var byReplica = loads.Values.SelectMany(l => l)
            .GroupBy(l => l.Replica, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        // The first cycle: every key was written by the app at once, with the same TTL, so all are due together.
        var firstLoads = loads.Values.Select(l => (l[0].At.ToUniversalTime() - start).TotalSeconds).Order().ToArray();
        var perSecond = loads.Values.SelectMany(l => l)
            .GroupBy(l => (int)Math.Floor((l.At.ToUniversalTime() - start).TotalSeconds))
            .Select(g => (Second: g.Key, Count: g.Count()))
            .MaxBy(g => g.Count);
        return new LoadAnalysis(
            total,
            loads.Count,
            perKey.Min(),
            perKey.Max(),
            closePairs,
            [.. pairs.OrderBy(p => p.Gap).Take(Details).Select(p => p.Text)],
            maxInOneCycle,
            total / (double)options.Keys / (elapsed / options.Ttl),
            [.. intervals],
            new SortedDictionary<string, long>(byReplica, StringComparer.Ordinal),
            firstLoads,
            perSecond.Count,
            perSecond.Second);
    }

    private static string Describe(CatalogLoad load, DateTime start) =>
        string.Create(CultureInfo.InvariantCulture, $"{(load.At.ToUniversalTime() - start).TotalSeconds:0.000} s by {load.Replica}");
}
