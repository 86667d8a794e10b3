using CacheWarmer.HotKeyTracker.Keyspace;

namespace CacheWarmer.HotKeyTracker.Tests.Keyspace;

public sealed class KeySampleTests
{
    [Fact]
    public void Keeps_every_key_while_there_is_room_and_never_more_than_its_capacity()
    {
        var sample = new KeySample(100);
        for (var i = 0; i < 60; i++)
        {
            sample.Offer($"k{i}");
            sample.Offer($"k{i}");
        }

        Assert.Equal(60, sample.Count);
        for (var i = 60; i < 10_000; i++)
        {
            sample.Offer($"k{i}");
        }

        Assert.Equal(100, sample.Count);
        Assert.Equal(100, sample.Snapshot().Distinct().Count());
    }

    [Fact]
    public void Every_key_of_a_long_stream_is_kept_with_the_same_chance()
    {
        // 200 streams of 10,000 keys into 1,000 slots: each key is kept with chance 0.1. The first and the last
        // thousand keys are each counted 200,000 times, so their shares sit within 0.004 of 0.1 (six deviations).
        const int Trials = 200;
        var (first, last) = (0, 0);
        for (var trial = 0; trial < Trials; trial++)
        {
            var sample = new KeySample(1000);
            for (var i = 0; i < 10_000; i++)
            {
                sample.Offer(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var key in sample.Snapshot())
            {
                var i = int.Parse(key, System.Globalization.CultureInfo.InvariantCulture);
                first += i < 1000 ? 1 : 0;
                last += i >= 9000 ? 1 : 0;
            }
        }

        Assert.InRange(first / (Trials * 1000.0), 0.096, 0.104);
        Assert.InRange(last / (Trials * 1000.0), 0.096, 0.104);
    }

    [Fact]
    public void A_removed_key_leaves_and_the_others_stay()
    {
        var sample = new KeySample(10);
        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            sample.Offer(key);
        }

        sample.Remove("b");
        sample.Remove("a");
        sample.Remove("missing");

        Assert.Equal(["c", "d"], sample.Snapshot().Order());
        sample.Offer("a");
        Assert.Equal(["a", "c", "d"], sample.Snapshot().Order());
    }

    [Fact]
    public void A_sample_of_capacity_zero_keeps_nothing()
    {
        var sample = new KeySample(0);
        sample.Offer("a");
        Assert.Equal(0, sample.Count);
    }
}
