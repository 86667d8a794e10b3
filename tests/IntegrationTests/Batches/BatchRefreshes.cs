using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.Worker.Refresh;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Batches;

/// <summary>What the batch tests share: app values written with one expiry, and one batch of their due refreshes.</summary>
internal static class BatchRefreshes
{
    /// <summary>A hot-key threshold no key reaches: the worker manages nothing, so only the test's calls refresh.</summary>
    public static WorkerConfig Unmanaged(this WorkerConfig config) => config.With("CacheWarmer:HotKeys:MinRatePerMinute", "1000000");

    /// <summary>Writes each id's key as the app would, all expiring at one instant, and returns that instant.</summary>
    public static async Task<DateTimeOffset> WriteAppValuesAsync(IDatabase db, WorkerConfig config, IEnumerable<object> ids, TimeSpan ttl)
    {
        var expiry = DateTimeOffset.FromUnixTimeMilliseconds((DateTimeOffset.UtcNow + ttl).ToUnixTimeMilliseconds());
        foreach (var id in ids)
        {
            await db.ExecuteAsync("SET", config.Key(id), "app value", "PXAT", expiry.ToUnixTimeMilliseconds());
        }

        return expiry;
    }

    /// <summary>Refreshes the ids' keys as one due batch, planned against <paramref name="expiry"/>; the outcomes by id.</summary>
    public static async Task<Dictionary<string, RefreshOutcome>> RefreshAsync(WorkerHost worker, WorkerConfig config, IEnumerable<object> ids, DateTimeOffset expiry)
    {
        var due = ids.Select(id => new DueRefresh(config.Key(id), expiry, expiry, missed: false)).ToList();
        var results = await Task.WhenAll(worker.Get<Refresher>().RefreshBatchAsync(due));
        return results.ToDictionary(r => r.Key[(config.Prefix + "product:").Length..], r => r.Outcome);
    }

    public static string Row(int id, string price) => $$"""{"id":{{id}},"name":"Product {{id}}","price":{{price}}}""";
}
