using CacheWarmer.Contracts.Sampling;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Warmups;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Warmups;

public class WarmupPredictionTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static readonly string[] Morning = Enumerable.Range(0, 50).Select(i => "product:m" + i).ToArray();

    private static readonly string[] Afternoon = Enumerable.Range(0, 50).Select(i => "product:a" + i).ToArray();

    // Fourteen days from Monday 2026-03-02 00:00 in Berlin (no daylight-saving change inside), replayed minute by
    // minute into a real HotKeyModel, whose top 1,000 is recorded at the end of every 5-minute slot, as the recorder does.
    private static readonly Lazy<Dictionary<HistorySlot, KeyValuePair<string, double>[]>> History = new(Simulate);

    [Fact]
    public void The_weekday_0855_firing_predicts_the_keys_that_spike_at_nine()
    {
        // Monday 2026-03-16, 08:55 in Berlin: window 08:55-09:55.
        var fire = new DateTimeOffset(2026, 3, 16, 8, 55, 0, TimeSpan.FromHours(1));

        var predicted = Predict(fire, TimeSpan.FromHours(1), top: 1000);

        var (precision, recall) = Score(predicted, Morning);
        TestContext.Current.TestOutputHelper?.WriteLine($"Monday 08:55: {predicted.Count} predicted, precision {precision:F3}, recall {recall:F3}");
        Assert.True(precision >= 0.9, $"precision {precision:F3} of {predicted.Count} predicted");
        Assert.True(recall >= 0.9, $"recall {recall:F3}");
        Assert.DoesNotContain(predicted, Afternoon.Contains);
    }

    [Fact]
    public void The_prediction_is_capped_at_top_hottest_first()
    {
        var fire = new DateTimeOffset(2026, 3, 16, 8, 55, 0, TimeSpan.FromHours(1));

        var predicted = Predict(fire, TimeSpan.FromHours(1), top: 10);

        Assert.Equal(Morning.Take(10).Order(StringComparer.Ordinal), predicted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_saturday_0855_firing_does_not_predict_the_weekday_keys()
    {
        var fire = new DateTimeOffset(2026, 3, 14, 8, 55, 0, TimeSpan.FromHours(1));

        var predicted = Predict(fire, TimeSpan.FromHours(1), top: 1000);

        var (_, recall) = Score(predicted, Morning);
        TestContext.Current.TestOutputHelper?.WriteLine($"Saturday 08:55: {predicted.Count} predicted, weekday-set recall {recall:F3}");
        Assert.True(recall <= 0.1, $"recall of the weekday set {recall:F3}");
    }

    [Fact]
    public void A_1400_firing_predicts_the_afternoon_keys_not_the_morning_ones()
    {
        var fire = new DateTimeOffset(2026, 3, 16, 14, 0, 0, TimeSpan.FromHours(1));

        var predicted = Predict(fire, TimeSpan.FromHours(1), top: 1000);

        var (precision, recall) = Score(predicted, Afternoon);
        Assert.True(precision >= 0.9 && recall >= 0.9, $"precision {precision:F3}, recall {recall:F3}");
        Assert.DoesNotContain(predicted, Morning.Contains);
    }

    [Fact]
    public void Recent_weeks_outweigh_older_ones()
    {
        KeyValuePair<string, double>[] Rates(string key, double rate) => [new(key, rate)];

        var ranked = WarmupPrediction.Rank([(1, Rates("new", 10)), (2, Rates("old", 15))], top: 1, minRatePerMinute: 0);

        Assert.Equal(["new"], ranked);
    }

    [Fact]
    public void Slots_keep_the_wall_clock_time_across_a_daylight_saving_change()
    {
        // Monday 2026-03-30 09:00 in Berlin is CEST (UTC+2); a week earlier, 09:00 was CET (UTC+1).
        var fire = new DateTimeOffset(2026, 3, 30, 9, 0, 0, TimeSpan.FromHours(2));

        var slots = WarmupPrediction.SlotsFor(fire, TimeSpan.Zero, TimeSpan.FromMinutes(10), Berlin, weeks: 1);

        Assert.Equal(
            [new DateTimeOffset(2026, 3, 23, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 23, 8, 5, 0, TimeSpan.Zero)],
            slots.Select(s => s.Slot.Start));
        Assert.Equal("history:1:96:20260323", slots[0].Slot.Key(string.Empty));
    }

    private static List<string> Predict(DateTimeOffset fire, TimeSpan window, int top)
    {
        var slots = WarmupPrediction.SlotsFor(fire, TimeSpan.Zero, window, Berlin);
        return WarmupPrediction.Rank(
            slots.Select(s => (s.WeeksAgo, (IReadOnlyCollection<KeyValuePair<string, double>>)History.Value.GetValueOrDefault(s.Slot, []))),
            top,
            minRatePerMinute: 1);
    }

    private static (double Precision, double Recall) Score(List<string> predicted, string[] expected)
    {
        var hits = predicted.Count(expected.Contains);
        return (predicted.Count == 0 ? 0 : (double)hits / predicted.Count, (double)hits / expected.Length);
    }

    private static Dictionary<HistorySlot, KeyValuePair<string, double>[]> Simulate()
    {
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.FromHours(1));
        var time = new FakeTimeProvider(start);
        var model = new HotKeyModel(Options.Create(new HotKeyOptions { Capacity = 10_000, HalfLife = TimeSpan.FromMinutes(5) }), time);
        var random = new Random(5);
        var noise = Enumerable.Range(0, 1000).Select(i => "product:n" + i).ToArray();
        var history = new Dictionary<HistorySlot, KeyValuePair<string, double>[]>();
        for (var minute = 0; minute < 14 * 24 * 60; minute++)
        {
            var now = start.AddMinutes(minute);
            time.SetUtcNow(now);
            if (minute > 0 && minute % 5 == 0)
            {
                var ended = HistorySlot.Containing(now - TimeSpan.FromTicks(1));
                history[ended] = model.Top(1000).Where(e => e.RatePerMinute >= 1).Select(e => KeyValuePair.Create(e.Key, e.RatePerMinute)).ToArray();
            }

            var local = TimeZoneInfo.ConvertTime(now, Berlin);
            var samples = new List<AccessSample>();
            var weekday = local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
            if (weekday && local.Hour == 9)
            {
                samples.AddRange(Morning.Select((key, i) => new AccessSample(key, 5 + (100 / (i + 1)))));
            }

            if (local.Hour == 14)
            {
                samples.AddRange(Afternoon.Select((key, i) => new AccessSample(key, 5 + (100 / (i + 1)))));
            }

            for (var i = 0; i < 10; i++)
            {
                samples.Add(new AccessSample(noise[random.Next(noise.Length)], random.Next(1, 11)));
            }

            model.AddSamples(samples, now);
        }

        return history;
    }
}
