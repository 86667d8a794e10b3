using System.Net;
using CacheWarmer.IntegrationTests.Http;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// An error that belongs to one key (PostgreSQL 22P02: 'abc' is not an integer id) is that key's permanent failure,
/// not its source's: the circuit breaker stays closed, /readyz stays 200, and the healthy keys keep refreshing.
/// </summary>
public sealed class KeyFaultTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task Warming_non_numeric_ids_rejects_those_keys_and_leaves_the_source_healthy()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("key_faults"), 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Refresh:CircuitBreaker:FailureThreshold", "3");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetAsync("readyz", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the worker should become ready");

        var response = await client.PostWarmAsync("""{"loader":"product","ids":["abc","x1","1.5.2","-1x","NaN"]}""", "?wait=true");
        var body = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(ApiCalls.Outcomes(body).Values, outcome => Assert.Equal("rejected", outcome));
        var ready = await client.GetAsync("readyz", TestContext.Current.CancellationToken);
        Assert.True(ready.StatusCode == HttpStatusCode.OK, $"readiness after 5 rejected keys: {await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        Assert.False(await db.KeyExistsAsync(config.Key("abc")));

        // A healthy key written by the app with a short TTL is still refreshed from the same source.
        await db.StringSetAsync(config.Key(2), "app placeholder", TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(config.Key(2)))?.StartsWith("{\"id\":2,", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(10),
            "the healthy key should be refreshed");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("readyz", TestContext.Current.CancellationToken)).StatusCode);
    }
}
