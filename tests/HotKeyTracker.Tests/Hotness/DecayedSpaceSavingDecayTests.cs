using CacheWarmer.HotKeyTracker.Hotness;

namespace CacheWarmer.HotKeyTracker.Tests.Hotness;

public sealed class DecayedSpaceSavingDecayTests
{
    private static readonly DateTimeOffset s_origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_key_no_longer_read_halves_its_rate_every_half_life()
    {
        var halfLife = TimeSpan.FromMinutes(1);
        var sketch = new DecayedSpaceSaving(10, halfLife, s_origin);
        sketch.Add("product:1", 10, s_origin + TimeSpan.FromSeconds(7));
        var measuredAt = s_origin + TimeSpan.FromSeconds(20);
        var rate = sketch.RatePerMinute("product:1", measuredAt);

        Assert.True(rate > 0);
        AssertClose(rate / 2, sketch.RatePerMinute("product:1", measuredAt + halfLife));
        AssertClose(rate / 4, sketch.RatePerMinute("product:1", measuredAt + (2 * halfLife)));
    }

    [Fact]
    public void One_read_a_second_for_20_half_lives_reads_60_a_minute()
    {
        var sketch = new DecayedSpaceSaving(10, TimeSpan.FromMinutes(5), s_origin);
        var end = s_origin + (20 * TimeSpan.FromMinutes(5));
        var at = s_origin;
        for (; at <= end; at += TimeSpan.FromSeconds(1))
        {
            sketch.Add("product:1", 1, at);
        }

        // Discrete reads make the sum 1/(1 - 2^(-1s/HalfLife)) = HalfLife/ln2 + 1/2: 0.12 % above 60 for 5 minutes.
        Assert.Equal(60, sketch.RatePerMinute("product:1", end), tolerance: 0.6);
    }

    [Fact]
    public void Updates_over_1000_half_lives_match_a_naive_decayed_sum()
    {
        var halfLife = TimeSpan.FromSeconds(1);
        var sketch = new DecayedSpaceSaving(10, halfLife, s_origin);
        var random = new Random(7);
        var reads = new List<(string Key, double Count, DateTimeOffset At)>();
        void Read(string key, double count, DateTimeOffset at)
        {
            sketch.Add(key, count, at);
            reads.Add((key, count, at));
        }

        Read("early", 5, s_origin);
        for (var at = s_origin; at <= s_origin + (1000 * halfLife); at += TimeSpan.FromMilliseconds(250))
        {
            Read("steady", 1 + random.Next(10), at);
            if (random.Next(20) == 0)
            {
                // Out of order: older reads are fine, they only weigh less.
                Read("late", 1 + random.NextDouble(), at - TimeSpan.FromSeconds(random.Next(1, 40)));
            }

            if ((at - s_origin).Ticks % TimeSpan.FromSeconds(97).Ticks == 0)
            {
                foreach (var key in new[] { "early", "steady", "late" })
                {
                    AssertClose(NaiveRatePerMinute(reads, key, at, halfLife), sketch.RatePerMinute(key, at));
                }
            }
        }

        var end = s_origin + (1000 * halfLife);
        foreach (var estimate in sketch.Top(3, end))
        {
            Assert.True(double.IsFinite(estimate.RatePerMinute) && double.IsFinite(estimate.ErrorPerMinute));
            AssertClose(NaiveRatePerMinute(reads, estimate.Key, end, halfLife), estimate.RatePerMinute);
        }

        // 2^-1000 of its first value: tiny, still a normal double.
        Assert.InRange(sketch.RatePerMinute("early", end), 1e-305, 1e-295);
    }

    [Fact]
    public void A_jump_of_a_million_half_lives_forgets_the_past_without_overflow()
    {
        var halfLife = TimeSpan.FromSeconds(1);
        var sketch = new DecayedSpaceSaving(2, halfLife, s_origin);
        sketch.Add("old", 1e15, s_origin);
        var later = s_origin + (1_000_000 * halfLife);
        sketch.Add("new", 3, later);
        sketch.Add("older-than-everything", 1, s_origin - (1_000_000 * halfLife));

        Assert.Equal(0, sketch.RatePerMinute("old", later));
        AssertClose(3 * Math.Log(2) * 60, sketch.RatePerMinute("new", later));
        Assert.All(sketch.Top(2, later), e => Assert.True(double.IsFinite(e.RatePerMinute) && double.IsFinite(e.ErrorPerMinute)));
        Assert.Equal("new", sketch.Top(1, later)[0].Key);

        // Queried long before anything was read, rates grow huge but stay numbers.
        Assert.All(sketch.Top(2, s_origin - (1_000_000 * halfLife)), e => Assert.False(double.IsNaN(e.RatePerMinute)));
    }

    private static double NaiveRatePerMinute(List<(string Key, double Count, DateTimeOffset At)> reads, string key, DateTimeOffset now, TimeSpan halfLife)
    {
        var sum = reads.Where(r => r.Key == key).Sum(r => r.Count * Math.Pow(2, -(now - r.At).TotalSeconds / halfLife.TotalSeconds));
        return sum * Math.Log(2) / halfLife.TotalMinutes;
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-9 * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");
}
