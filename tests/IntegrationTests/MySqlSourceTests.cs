using System.Net;
using CacheWarmer.IntegrationTests.Http;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// A MySQL / MariaDB source (MySqlConnector) on a real MariaDB server, with PostgreSQL's guarantees: the row written as
/// the app would, key text only as a parameter, and the fail-safe and circuit breaker while the server is down.
/// </summary>
public sealed class MySqlSourceTests(RedisFixture redis, MariaDbFixture mariadb) : IClassFixture<MariaDbFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_managed_key_is_refreshed_with_the_current_row_from_MariaDB()
    {
        var catalog = await MySqlCatalog.CreateAsync(await mariadb.Server.CreateDatabaseAsync("refresh", TestContext.Current.CancellationToken), 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithMySql(catalog.ConnectionString);
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);

        await db.StringSetAsync(config.Key(2), "app placeholder", TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(
            async () => (string?)await db.StringGetAsync(config.Key(2)) == """{"id":2,"name":"Product 2","price":2.50}""",
            Patience,
            "the worker should write product 2's row");

        // The next cycle loads the row as it is now.
        await catalog.SetPriceAsync(2, 7.5m);
        await Eventually.UntilAsync(
            async () => (string?)await db.StringGetAsync(config.Key(2)) == """{"id":2,"name":"Product 2","price":7.50}""",
            Patience,
            "a later refresh should write the new price");
    }

    [Fact]
    public async Task Key_text_reaches_MariaDB_only_as_a_parameter()
    {
        var catalog = await MySqlCatalog.CreateAsync(await mariadb.Server.CreateDatabaseAsync("injection", TestContext.Current.CancellationToken), 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithMySql(catalog.ConnectionString);
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();

        // Spliced into the SQL these would match every row, or drop the table; as parameters they match no id.
        var response = await client.PostWarmAsync("""{"loader":"product","ids":["0 OR 1=1","0; DROP TABLE products; --"]}""", "?wait=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(ApiCalls.Outcomes(await response.JsonAsync()).Values, outcome => Assert.Equal("not_found", outcome));
        Assert.Equal(3, await catalog.CountAsync());
    }

    [Fact]
    public async Task While_MariaDB_is_down_the_old_value_stays_and_readiness_names_the_source()
    {
        // A server of its own: this test stops it.
        await using var server = await MariaDbServer.StartAsync(TestContext.Current.CancellationToken);
        var catalog = await MySqlCatalog.CreateAsync(await server.CreateDatabaseAsync("outage", TestContext.Current.CancellationToken), 1, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithMySql(catalog.ConnectionString)
            .With("CacheWarmer:Refresh:CircuitBreaker:FailureThreshold", "2")
            .With("CacheWarmer:Refresh:CircuitBreaker:BreakDuration", "00:00:05");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        const string Row = """{"id":1,"name":"Product 1","price":1.25}""";
        await db.StringSetAsync(config.Key(1), "app placeholder", TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(async () => (string?)await db.StringGetAsync(config.Key(1)) == Row, Patience, "the worker should write the row");

        await server.StopAsync();
        var detail = "";
        await Eventually.UntilAsync(
            async () =>
            {
                using var ready = await client.GetAsync("readyz", TestContext.Current.CancellationToken);
                detail = await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
            },
            Patience,
            "readiness should fail once the source's breaker opens");
        Assert.Contains("circuit open (loads are failing) for catalog", detail, StringComparison.Ordinal);
        // The Ttl is 6 s: the value is still there because the fail-safe extended it, not because it had not expired yet.
        await Eventually.UntilAsync(
            async () => (await db.KeyTimeToLiveAsync(config.Key(1)))!.Value > TimeSpan.FromSeconds(10),
            Patience,
            "the fail-safe should extend the old value past its TTL");
        Assert.Equal(Row, (string?)await db.StringGetAsync(config.Key(1)));

        await server.StartAgainAsync(TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(
            async () => (await client.GetAsync("readyz", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(90),
            "readiness should come back with the source");
    }
}
