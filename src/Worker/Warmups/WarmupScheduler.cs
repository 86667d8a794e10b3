using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// Gives each configured warmup one Quartz cron trigger in its time zone. Missed firings are fired with their own
/// scheduled time (<see cref="CronTriggerMisfireInstruction.IgnoreMisfires"/>) and the runner skips those whose
/// window has ended; a trigger starts at the last firing still inside its window, so a replica started late catches up.
/// </summary>
internal sealed class WarmupScheduler(
    ISchedulerFactory schedulers,
    IOptions<WarmupsOptions> warmups,
    TimeProvider time,
    ILogger<WarmupScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (warmups.Value.Count == 0)
        {
            return;
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        foreach (var (name, warmup) in warmups.Value)
        {
            WarmupTimeZones.TryFind(warmup.TimeZone, out var zone);
            var cron = new CronExpression(warmup.Cron, zone!);
            var start = WarmupWindow.CatchUpStart(cron, warmup, time.GetUtcNow());
            var trigger = TriggerBuilder.Create(time)
                .WithIdentity(name, WarmupQuartzJob.TriggerGroup)
                .ForJob(WarmupQuartzJob.Key)
                .UsingJobData(WarmupQuartzJob.NameData, name)
                .StartAt(start)
                .WithSchedule(CronScheduleBuilder.Create(warmup.Cron).InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.IgnoreMisfires))
                .Build();
            var first = await scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace, cancellationToken).ConfigureAwait(false);
            Log.WarmupScheduled(logger, name, warmup.Cron, zone!.Id, first.NextFireTimeUtc);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
