using CacheWarmer.HotKeyTracker.Hotness;

namespace CacheWarmer.SketchBench;

/// <summary>How well a sketch's Top(k) matches exact counts on the same stream.</summary>
/// <param name="Recall">Share of the true top k found in the sketch's Top(k).</param>
/// <param name="TrueTopTracked">Share of the true top k tracked at all.</param>
/// <param name="MaxOverCount">The largest estimate − true count over the true top k, in reads.</param>
/// <param name="Bound">N / Capacity: Space-Saving's bound on any over-count, in reads.</param>
/// <param name="CountAtK">The k-th largest true count.</param>
internal sealed record Accuracy(double Recall, double TrueTopTracked, double MaxOverCount, double Bound, int CountAtK)
{
    /// <summary>Feeds the stream without decay (one time for every read) and compares with exact counts by rank.</summary>
    public static Accuracy Measure(string[] stream, int[] ranks, int distinct, int capacity, int k)
    {
        var halfLife = TimeSpan.FromDays(3650);
        var sketch = new DecayedSpaceSaving(capacity, halfLife, Contenders.Origin);
        var exact = new int[distinct + 1];
        for (var i = 0; i < stream.Length; i++)
        {
            sketch.Add(stream[i], 1, Contenders.Origin);
            exact[ranks[i]]++;
        }

        // Without decay a rate is the count times λ per minute.
        var perRead = Math.Log(2) / halfLife.TotalMinutes;
        var keyOf = new Dictionary<int, string>();
        for (var i = 0; i < stream.Length; i++)
        {
            keyOf.TryAdd(ranks[i], stream[i]);
        }

        var trueTop = Enumerable.Range(1, distinct).Where(r => exact[r] > 0).OrderByDescending(r => exact[r]).Take(k).ToArray();
        var found = sketch.Top(k, Contenders.Origin).Select(e => e.Key).ToHashSet();
        var tracked = 0;
        var maxOver = 0.0;
        foreach (var rank in trueTop)
        {
            if (sketch.TryGet(keyOf[rank], Contenders.Origin, out var estimate))
            {
                tracked++;
                maxOver = Math.Max(maxOver, Math.Round(estimate.RatePerMinute / perRead) - exact[rank]);
            }
        }

        return new Accuracy(
            (double)trueTop.Count(r => found.Contains(keyOf[r])) / k,
            (double)tracked / k,
            maxOver,
            (double)stream.Length / capacity,
            exact[trueTop[^1]]);
    }
}
