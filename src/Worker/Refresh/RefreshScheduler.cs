using Quartz;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Quartz holds one durable refresh job and one trigger per managed key, named after the key; scheduling a key again
/// replaces its trigger. The trigger carries the key and the expiry it was planned against.
/// </summary>
internal sealed class RefreshScheduler(ISchedulerFactory schedulers, TimeProvider time)
{
    public const string TriggerGroup = "refresh";
    public const string KeyData = "key";
    public const string ExpiryData = "expiry";
    public const string MissedData = "missed";

    private IScheduler? _scheduler;

    /// <param name="key">The key.</param>
    /// <param name="fireAt">When to refresh it.</param>
    /// <param name="plannedExpiry">The expiry the refresh is planned against; null to warm a missing key.</param>
    /// <param name="missed">True when the key is being warmed because Redis expired or evicted it under readers.</param>
    /// <param name="cancellationToken">Cancels scheduling.</param>
    public async ValueTask ScheduleAsync(string key, DateTimeOffset fireAt, DateTimeOffset? plannedExpiry, bool missed, CancellationToken cancellationToken)
    {
        var scheduler = _scheduler ??= await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var builder = TriggerBuilder.Create(time)
            .WithIdentity(key, TriggerGroup)
            .ForJob(RefreshJob.Key)
            .StartAt(fireAt)
            .UsingJobData(KeyData, key);
        if (plannedExpiry is { } expiry)
        {
            builder = builder.UsingJobData(ExpiryData, expiry.ToUnixTimeMilliseconds());
        }

        if (missed)
        {
            builder = builder.UsingJobData(MissedData, true);
        }

        await scheduler.ScheduleTrigger(builder.Build(), TriggerConflict.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask UnscheduleAsync(string key, CancellationToken cancellationToken)
    {
        var scheduler = _scheduler ??= await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.UnscheduleJob(new TriggerKey(key, TriggerGroup), cancellationToken).ConfigureAwait(false);
    }
}
