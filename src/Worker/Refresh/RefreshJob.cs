using CacheWarmer.Worker.Keys;
using Quartz;

namespace CacheWarmer.Worker.Refresh;

/// <summary>The one durable Quartz job: refresh the key its trigger names, then hand the result to the planner.</summary>
internal sealed class RefreshJob(Refresher refresher, ManagedKeys managedKeys) : IJob
{
    public static readonly JobKey Key = new("refresh", "cachewarmer");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        var key = data.GetString(RefreshScheduler.KeyData)!;
        DateTimeOffset? plannedExpiry = data.TryGetLong(RefreshScheduler.ExpiryData, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        var missed = data.TryGetBoolean(RefreshScheduler.MissedData, out var flag) && flag;
        var result = await refresher.RefreshAsync(key, plannedExpiry, missed).ConfigureAwait(false);
        managedKeys.OnRefreshed(result);
    }
}
