using Quartz;

namespace CacheWarmer.Worker.Warmups;

/// <summary>The durable Quartz job of every warmup: hands the firing, by its scheduled time, to the runner.</summary>
internal sealed class WarmupQuartzJob(WarmupRunner runner) : IJob
{
    public static readonly JobKey Key = new("warmup", "cachewarmer");

    public const string TriggerGroup = "warmup";

    public const string NameData = "warmup";

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // The scheduled time, not the actual one: every replica names the same firing alike, however late it runs.
        runner.Start(context.MergedJobDataMap.GetString(NameData)!, context.ScheduledFireTimeUtc ?? context.FireTimeUtc);
        return ValueTask.CompletedTask;
    }
}
