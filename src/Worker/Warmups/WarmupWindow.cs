using CacheWarmer.Worker.Configuration;
using Quartz;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// The time a firing serves: from its scheduled time plus <c>Predict:Lead</c> for the pin (<c>Pin</c>, else the
/// prediction window, else one hour). A firing that starts late still runs while its window lasts; after, it is
/// skipped.
/// </summary>
internal static class WarmupWindow
{
    public static DateTimeOffset End(WarmupOptions warmup, DateTimeOffset scheduledFire) =>
        scheduledFire + warmup.EffectiveLead + warmup.EffectivePin;

    /// <summary>
    /// Where the warmup's trigger starts: the last firing missed at <paramref name="now"/> whose window has not ended
    /// (so a replica started mid-window, or after every replica was down at fire time, still runs it, late), or now.
    /// </summary>
    public static DateTimeOffset CatchUpStart(CronExpression cron, WarmupOptions warmup, DateTimeOffset now)
    {
        var reach = warmup.EffectiveLead + warmup.EffectivePin;
        DateTimeOffset? last = null;
        for (var next = cron.GetNextValidTimeAfter(now - reach); next is { } at && at < now; next = cron.GetNextValidTimeAfter(at))
        {
            last = at;
        }

        return last ?? now;
    }
}
