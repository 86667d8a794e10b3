using CacheWarmer.HotKeyTracker.Hotness;

namespace CacheWarmer.HotKeyTracker.Tests.Hotness;

/// <summary>
/// Space-Saving's bookkeeping. Reads and queries are all at the origin, so nothing decays and a rate is the count
/// times <see cref="PerRead"/>.
/// </summary>
public sealed class DecayedSpaceSavingTests
{
    private static readonly DateTimeOffset s_origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_halfLife = TimeSpan.FromMinutes(5);
    private static readonly double PerRead = Math.Log(2) / s_halfLife.TotalMinutes;

    [Fact]
    public void A_fourth_key_in_a_table_of_three_replaces_the_minimum_and_carries_it_as_error()
    {
        var sketch = Sketch(3);
        sketch.Add("a", 5, s_origin);
        sketch.Add("b", 3, s_origin);
        sketch.Add("c", 4, s_origin);

        sketch.Add("d", 1, s_origin);

        Assert.Equal(3, sketch.Count);
        Assert.False(sketch.TryGet("b", s_origin, out _));
        Assert.Equal(0, sketch.RatePerMinute("b", s_origin));
        Assert.True(sketch.TryGet("d", s_origin, out var d));
        Assert.Equal(("d", 4.0, 3.0), (d.Key, Round(d.RatePerMinute / PerRead), Round(d.ErrorPerMinute / PerRead)));
        Assert.True(sketch.TryGet("a", s_origin, out var a));
        Assert.Equal((5.0, 0.0), (Round(a.RatePerMinute / PerRead), Round(a.ErrorPerMinute / PerRead)));
    }

    [Fact]
    public void Count_never_exceeds_Capacity_and_the_counters_add_up_to_every_read()
    {
        var sketch = Sketch(3);
        var total = 0.0;
        for (var i = 0; i < 100; i++)
        {
            sketch.Add("key:" + (i % 17), 1 + (i % 5), s_origin);
            total += 1 + (i % 5);
            Assert.InRange(sketch.Count, 1, 3);
        }

        Assert.Equal(total, Round(sketch.Top(10, s_origin).Sum(e => e.RatePerMinute) / PerRead));
    }

    [Fact]
    public void Top_orders_by_rate_then_key_and_returns_at_most_k()
    {
        var sketch = Sketch(10);
        sketch.Add("b", 2, s_origin);
        sketch.Add("a", 7, s_origin);
        sketch.Add("c", 2, s_origin);
        sketch.Add("d", 9, s_origin);
        sketch.Add("a", 3, s_origin);

        Assert.Equal(["a", "d", "b", "c"], sketch.Top(100, s_origin).Select(e => e.Key));
        Assert.Equal(["a", "d"], sketch.Top(2, s_origin).Select(e => e.Key));
        Assert.Equal([10.0, 9.0], sketch.Top(2, s_origin).Select(e => Round(e.RatePerMinute / PerRead)));
        Assert.Empty(sketch.Top(0, s_origin));
        Assert.Empty(Sketch(10).Top(5, s_origin));
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Top(-1, s_origin));
    }

    [Fact]
    public void Above_returns_exactly_the_keys_at_or_over_the_rate_with_the_same_estimates_as_Top()
    {
        var sketch = Sketch(10);
        foreach (var (key, reads) in new[] { ("a", 10), ("b", 2), ("c", 7), ("d", 3), ("e", 7) })
        {
            sketch.Add(key, reads, s_origin);
        }

        var above = sketch.Above(7 * PerRead, s_origin);

        Assert.Equal(["a", "c", "e"], above.Select(e => e.Key).Order());
        Assert.Equal(sketch.Top(3, s_origin).OrderBy(e => e.Key), above.OrderBy(e => e.Key));
        Assert.Equal(5, sketch.Above(0, s_origin).Count);
        Assert.Empty(sketch.Above(11 * PerRead, s_origin));
    }

    [Fact]
    public void Remove_forgets_a_key_and_frees_its_counter()
    {
        var sketch = Sketch(3);
        sketch.Add("a", 5, s_origin);
        sketch.Add("b", 3, s_origin);
        sketch.Add("c", 4, s_origin);

        sketch.Remove("a");
        sketch.Remove("not-tracked");
        sketch.Add("d", 1, s_origin);

        Assert.Equal(3, sketch.Count);
        Assert.Equal(["c", "b", "d"], sketch.Top(3, s_origin).Select(e => e.Key));
        Assert.True(sketch.TryGet("d", s_origin, out var d));
        Assert.Equal(0, d.ErrorPerMinute);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecayedSpaceSaving(0, s_halfLife, s_origin));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecayedSpaceSaving(10, TimeSpan.Zero, s_origin));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecayedSpaceSaving(10, TimeSpan.FromSeconds(-1), s_origin));

        var sketch = Sketch(10);
        foreach (var count in new[] { 0, -1, double.NaN, double.PositiveInfinity, 1e300 })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Add("a", count, s_origin));
        }

        Assert.Throws<ArgumentNullException>(() => sketch.Add(null!, 1, s_origin));
        Assert.Equal(0, sketch.Count);
    }

    [Fact]
    public void Matches_a_linear_scan_Space_Saving_through_random_updates_and_removals()
    {
        // Random fractional counts make ties (where the two could pick different minima) practically impossible,
        // so the heap must reproduce the textbook algorithm exactly.
        var random = new Random(11);
        var sketch = Sketch(50);
        var model = new Dictionary<string, (double Counter, double Error)>();
        for (var i = 0; i < 20_000; i++)
        {
            var key = "key:" + (int)Math.Pow(400, random.NextDouble());
            if (random.Next(50) == 0)
            {
                sketch.Remove(key);
                model.Remove(key);
                continue;
            }

            var count = 0.5 + random.NextDouble();
            sketch.Add(key, count, s_origin);
            if (model.TryGetValue(key, out var entry))
            {
                model[key] = (entry.Counter + count, entry.Error);
            }
            else if (model.Count < 50)
            {
                model[key] = (count, 0);
            }
            else
            {
                var minimum = model.MinBy(pair => pair.Value.Counter);
                model.Remove(minimum.Key);
                model[key] = (minimum.Value.Counter + count, minimum.Value.Counter);
            }
        }

        var expected = model.OrderByDescending(pair => pair.Value.Counter).Select(pair => (pair.Key, pair.Value.Counter * PerRead, pair.Value.Error * PerRead));
        var actual = sketch.Top(100, s_origin).Select(e => (e.Key, e.RatePerMinute, e.ErrorPerMinute));
        Assert.Equal(expected, actual);
        Assert.All(model, pair => Assert.Equal(pair.Value.Counter * PerRead, sketch.RatePerMinute(pair.Key, s_origin)));
    }

    [Fact]
    public void Keys_added_while_the_table_grows_keep_their_own_counters()
    {
        // The table grows by doubling; a key whose arrival grew it was once indexed to another key's slot.
        var sketch = Sketch(1_000);
        for (var i = 1; i <= 1_000; i++)
        {
            sketch.Add("key:" + i, i, s_origin);
        }

        for (var i = 1; i <= 1_000; i++)
        {
            sketch.Add("key:" + i, i, s_origin);
            Assert.Equal(2.0 * i, Round(sketch.RatePerMinute("key:" + i, s_origin) / PerRead));
        }
    }

    private static DecayedSpaceSaving Sketch(int capacity) => new(capacity, s_halfLife, s_origin);

    private static double Round(double count) => Math.Round(count, 9);
}
