using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.TestUtils;

namespace CacheWarmer.HotKeyTracker.Tests.Hotness;

/// <summary>
/// Estimates against exact counts on a Zipf(1.1) stream over 1,000,000 keys. Every read is at the origin and every
/// query too, so nothing decays: each counter is a plain count of reads and rate = count × λ per minute.
/// </summary>
public sealed class DecayedSpaceSavingAccuracyTests
{
    private const int Distinct = 1_000_000;
    private const int Samples = 2_000_000;
    private const int TopK = 1_000;

    private static readonly DateTimeOffset s_origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_noDecay = TimeSpan.FromDays(3650);

    // One stream for both tests: drawing 2,000,000 ranks is most of a test's time.
    private static readonly Lazy<(ZipfKeys Keys, int[] Ranks, int[] Exact)> s_stream = new(() =>
    {
        var keys = new ZipfKeys(Distinct, 1.1, seed: 20250101);
        var ranks = new int[Samples];
        var exact = new int[Distinct + 1];
        for (var i = 0; i < Samples; i++)
        {
            ranks[i] = keys.NextRank();
            exact[ranks[i]]++;
        }

        return (keys, ranks, exact);
    });

    [Fact]
    public void Capacity_100000_finds_the_true_top_1000_and_every_estimate_is_within_its_error()
    {
        var (sketch, exact) = Run(capacity: 100_000);
        var bound = (double)Samples / sketch.Capacity;
        var byCount = TrueRanksByCount(exact);
        var countAtK = exact[byCount[TopK - 1]];

        // Space-Saving keeps its counters summing to N, so the smallest is at most N/Capacity (20 here), a key is
        // evicted only while it holds the smallest counter, and a key's error is the counter it took over. Hence
        // every key counted more than N/Capacity times is tracked, with true <= estimate <= true + error and
        // error <= N/Capacity. The 1000th true count is far above 20, so all of the true top 1000 are tracked;
        // Top(1000) can only swap one of them for a key whose estimate reaches the 1000th count, i.e. whose true
        // count is within N/Capacity of it: ties and near-ties at the boundary, hence recall >= 0.99.
        Assert.True(countAtK > bound, $"the 1000th true count {countAtK} must exceed N/Capacity = {bound}");
        foreach (var rank in byCount.Take(TopK))
        {
            var key = Key(rank);
            Assert.True(sketch.TryGet(key, s_origin, out var estimate), $"{key} (true count {exact[rank]}) is not tracked");
            var (count, error) = Counts(estimate);
            Assert.InRange(count, exact[rank], exact[rank] + error);
            Assert.InRange(error, 0, bound);
        }

        var top = sketch.Top(TopK, s_origin);
        Assert.Equal(TopK, top.Count);
        var trueTop = byCount.Take(TopK).Select(Key).ToHashSet();
        var recall = (double)top.Count(e => trueTop.Contains(e.Key)) / TopK;
        foreach (var estimate in top)
        {
            Assert.True(exact[RankOf(estimate.Key)] >= countAtK - bound, $"{estimate.Key} is in Top({TopK}) with true count {exact[RankOf(estimate.Key)]}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"Capacity 100,000: recall {recall:0.000}, 1000th true count {countAtK}, N/Capacity {bound}");
        Assert.True(recall >= 0.99, $"recall {recall}");
    }

    [Fact]
    public void Capacity_2000_over_counts_any_tracked_key_by_at_most_N_over_Capacity()
    {
        var (sketch, exact) = Run(capacity: 2_000);
        var bound = (double)Samples / sketch.Capacity;
        var byCount = TrueRanksByCount(exact);

        Assert.Equal(sketch.Capacity, sketch.Count);
        foreach (var estimate in sketch.Top(sketch.Count, s_origin))
        {
            var (count, error) = Counts(estimate);
            var truth = exact[RankOf(estimate.Key)];
            Assert.InRange(count, truth, truth + error);
            Assert.InRange(error, 0, bound);
        }

        // The guarantee still tracks every key counted more than N/Capacity times.
        foreach (var rank in byCount.TakeWhile(rank => exact[rank] > bound))
        {
            Assert.True(sketch.TryGet(Key(rank), s_origin, out _), $"{Key(rank)} (true count {exact[rank]}) is not tracked");
        }

        // Too small a table for the top 1000 (the 1000th true count is below N/Capacity): recall is reported only.
        var trueTop = byCount.Take(TopK).Select(Key).ToHashSet();
        var recall = (double)sketch.Top(TopK, s_origin).Count(e => trueTop.Contains(e.Key)) / TopK;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Capacity 2,000: recall of the top {TopK} {recall:0.000}, 1000th true count {exact[byCount[TopK - 1]]}, N/Capacity {bound}");
    }

    private static (DecayedSpaceSaving Sketch, int[] Exact) Run(int capacity)
    {
        var (keys, ranks, exact) = s_stream.Value;
        var sketch = new DecayedSpaceSaving(capacity, s_noDecay, s_origin);
        foreach (var rank in ranks)
        {
            sketch.Add(keys.Key(rank), 1, s_origin);
        }

        return (sketch, exact);
    }

    /// <summary>Ranks seen in the stream, most counted first.</summary>
    private static int[] TrueRanksByCount(int[] exact) =>
        Enumerable.Range(1, Distinct).Where(rank => exact[rank] > 0).OrderByDescending(rank => exact[rank]).ToArray();

    private static string Key(int rank) => s_stream.Value.Keys.Key(rank);

    private static int RankOf(string key) => int.Parse(key.AsSpan("product:".Length), provider: System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An estimate back in reads: without decay a rate is the count times λ per minute.</summary>
    private static (double Count, double Error) Counts(HotKeyEstimate estimate)
    {
        var perRead = Math.Log(2) / s_noDecay.TotalMinutes;
        // Counters hold whole reads; rounding undoes the conversion's last-bit error.
        return (Math.Round(estimate.RatePerMinute / perRead), Math.Round(estimate.ErrorPerMinute / perRead));
    }
}
