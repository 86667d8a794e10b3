using System.Net;
using System.Text.Json;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>/healthz answers while the process lives; /readyz follows Redis and says what is not ready.</summary>
public sealed class ReadinessTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Readiness_goes_503_naming_redis_while_Redis_is_down_and_200_when_it_is_back()
    {
        // A server of its own: stopping the shared one would disturb the other tests.
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("readiness"), 5, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(server.Configuration, RedisFixture.UniquePrefix("readiness")).WithPostgres(catalog.ConnectionString);
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();

        await Eventually.UntilAsync(async () => (await ReadyAsync(client)).Status == HttpStatusCode.OK, Patience, "the worker should become ready");
        var ready = (await ReadyAsync(client)).Body;
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.All(ready.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("ready").GetBoolean()));

        await server.StopAsync();
        (HttpStatusCode Status, JsonElement Body) down = default;
        await Eventually.UntilAsync(async () => (down = await ReadyAsync(client)).Status == HttpStatusCode.ServiceUnavailable, Patience, "readiness should fail while Redis is down");
        Assert.Equal("not_ready", down.Body.GetProperty("status").GetString());
        var redisCheck = down.Body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis");
        Assert.False(redisCheck.GetProperty("ready").GetBoolean());
        Assert.Contains("not connected", redisCheck.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var health = await client.GetAsync("healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        await server.StartAgainAsync(TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(async () => (await ReadyAsync(client)).Status == HttpStatusCode.OK, Patience, "readiness should come back with Redis");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient client)
    {
        var response = await client.GetAsync("readyz", TestContext.Current.CancellationToken);
        Assert.Equal("application/json", response.MediaType());
        return (response.StatusCode, await response.JsonAsync());
    }
}
