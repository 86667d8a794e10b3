using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>
/// CacheWarmer:Http:MaxConcurrentScans: while that many pattern warms are scanning Redis, one more gets 429 with
/// Retry-After, and its slot is free again once the scan ends. The worker reaches Redis through a proxy that holds
/// Redis's replies, so the first scan is in flight exactly as long as the test says.
/// </summary>
public sealed class PatternScanLimitTests(RedisFixture redis, PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_pattern_warm_beyond_MaxConcurrentScans_gets_a_429_with_Retry_After_until_the_running_scan_ends()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("scan_limit"), 5, cancellation);
        await using var proxy = RedisProxy.Start(redis.Configuration);
        var config = ApiWorker.WithLoaders(new WorkerConfig(proxy.Configuration, RedisFixture.UniquePrefix("scan_limit")).WithPostgres(catalog.ConnectionString))
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "1000000")
            .With("CacheWarmer:Http:MaxConcurrentScans", "1");
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        await redis.Connection.GetDatabase().StringSetAsync(config.Key(1), "written by the app", TimeSpan.FromMinutes(5));
        await Eventually.UntilAsync(async () => (await client.GetAsync("readyz", cancellation)).IsSuccessStatusCode, Patience, "the worker should be ready");

        // A glob of its own, so the SCAN seen is this warm's and not the tracker's resync.
        var glob = config.Prefix + "product:1*";
        var body = $$"""{"pattern": "{{glob}}"}""";
        proxy.HoldReplies();
        var first = client.PostWarmAsync(body, "?wait=true");
        await Eventually.UntilAsync(() => proxy.HasSent(glob), Patience, "the first warm should be scanning");

        var second = await client.PostWarmAsync(body);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("application/problem+json", second.MediaType());
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Contains("CacheWarmer:Http:MaxConcurrentScans (1)", (await second.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(first.IsCompleted, "the first warm's scan is still waiting for Redis");

        proxy.ReleaseReplies();
        var done = await first;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("already_warm", ApiCalls.Outcomes(await done.JsonAsync())[config.Key(1)]);

        var third = await client.PostWarmAsync(body, "?wait=true");
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }
}
