using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// Keys an app writes at once with one TTL all come due together. Three replicas, one load slot each and a 50 ms query
/// load at most 60 keys a second together: the 300 keys need 5 s, more than the buffer and XFetch's spread leave in
/// front of the expiry, so they are refreshed in time only if the replicas start early for their measured rate.
/// </summary>
public sealed class MassExpiryTests(RedisFixture redis, PostgresFixture postgres)
{
    private const int Keys = 300;
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Buffer = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Keys_written_at_once_with_one_ttl_are_refreshed_before_they_expire_once_each()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("mass_expiry"), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, "SELECT id, name, price FROM load_product(@id, 0.05)")
            .With("CacheWarmer:Loaders:product:Ttl", Ttl.ToString("c"))
            .With("CacheWarmer:Refresh:Buffer", Buffer.ToString("c"))
            .With("CacheWarmer:Refresh:MaxConcurrency", "1");
        var db = redis.Connection.GetDatabase();
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, config.Prefix + "product:");
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        await using var c = await WorkerHost.StartAsync(config);

        // The app caches every product at the same moment with the same TTL.
        var written = DateTime.UtcNow;
        var batch = db.CreateBatch();
        var writes = Enumerable.Range(1, Keys).Select(id => batch.StringSetAsync(config.Key(id), "written by the app", Ttl)).ToArray();
        batch.Execute();
        await Task.WhenAll(writes);

        await Eventually.UntilAsync(async () => (await catalog.LoadsAsync()).Count == Keys, TimeSpan.FromSeconds(40), "every key should be loaded");
        // Past the app's expiry: a key not refreshed by then has raised 'expired'.
        await Eventually.UntilAsync(() => Task.FromResult(DateTime.UtcNow > written + Ttl + TimeSpan.FromSeconds(0.5)), TimeSpan.FromSeconds(40), "the app's TTL should run out");

        Assert.True(watch.Expired.Count == 0, $"{watch.Expired.Count} of {Keys} keys expired, such as {watch.Expired.FirstOrDefault()}");
        foreach (var (id, times) in await catalog.LoadsAsync())
        {
            // A cycle lasts about Ttl - Buffer; two loads of one key closer than half of that are two loads in one cycle.
            var gaps = times.Zip(times.Skip(1), (x, y) => y - x);
            Assert.All(gaps, gap => Assert.True(gap > (Ttl - Buffer) / 2, $"key {id} was loaded twice {gap.TotalMilliseconds:F0} ms apart"));
        }
    }
}
