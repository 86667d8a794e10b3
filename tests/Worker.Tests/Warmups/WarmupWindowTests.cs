using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Warmups;
using Quartz;

namespace CacheWarmer.Worker.Tests.Warmups;

public class WarmupWindowTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void A_replica_started_inside_the_window_starts_its_trigger_at_the_missed_firing()
    {
        var cron = new CronExpression("0 55 8 ? * MON-FRI", Berlin);
        var warmup = new WarmupOptions { Pin = TimeSpan.FromHours(1) };
        // Tuesday 2026-03-10, 09:20 in Berlin (CET, UTC+1): the 08:55 firing was missed 25 minutes ago.
        var now = new DateTimeOffset(2026, 3, 10, 8, 20, 0, TimeSpan.Zero);

        var start = WarmupWindow.CatchUpStart(cron, warmup, now);

        Assert.Equal(new DateTimeOffset(2026, 3, 10, 7, 55, 0, TimeSpan.Zero), start);
    }

    [Fact]
    public void A_replica_started_after_the_window_starts_its_trigger_now()
    {
        var cron = new CronExpression("0 55 8 ? * MON-FRI", Berlin);
        var warmup = new WarmupOptions { Pin = TimeSpan.FromMinutes(30) };
        var now = new DateTimeOffset(2026, 3, 10, 8, 30, 0, TimeSpan.Zero);

        Assert.Equal(now, WarmupWindow.CatchUpStart(cron, warmup, now));
    }

    [Fact]
    public void The_window_ends_lead_plus_pin_after_the_scheduled_fire_time_and_pin_defaults_to_the_predict_window()
    {
        var fire = new DateTimeOffset(2026, 3, 10, 7, 55, 0, TimeSpan.Zero);
        var predicted = new WarmupOptions { Predict = new PredictOptions { Window = TimeSpan.FromMinutes(45), Lead = TimeSpan.FromMinutes(5) } };

        Assert.Equal(fire + TimeSpan.FromMinutes(50), WarmupWindow.End(predicted, fire));
        Assert.Equal(fire + TimeSpan.FromHours(1), WarmupWindow.End(new WarmupOptions(), fire));
    }

    [Fact]
    public void Daylight_saving_keeps_the_firing_at_08_55_local_time()
    {
        var cron = new CronExpression("0 55 8 ? * MON-FRI", Berlin);

        // Berlin moves to CEST (UTC+2) on 2026-03-29: the Monday after, 08:55 local is 06:55 UTC.
        var next = cron.GetNextValidTimeAfter(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 3, 30, 6, 55, 0, TimeSpan.Zero), next);
    }
}
