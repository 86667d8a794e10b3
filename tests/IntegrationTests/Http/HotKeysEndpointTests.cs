using System.Net;
using System.Text.Json;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>GET /hotkeys: the model's top keys with whether each is managed, its PTTL and its next refresh.</summary>
public sealed class HotKeysEndpointTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task Hot_keys_are_listed_hottest_first_with_managed_ttl_and_next_refresh()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("hot_keys_api"), 5, cancellation);
        // No key is hot enough to be managed by its rate: only the warmed (pinned) key is managed.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "1000000");
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        var db = redis.Connection.GetDatabase();

        var warm = await client.PostWarmAsync($$"""{"keys": ["{{config.Key(1)}}"]}""", "?wait=true");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        // Before any read is reported, the warmed key is listed all the same: it is managed (pinned), at rate 0.
        JsonElement[] listed = [];
        await Eventually.UntilAsync(
            async () => (listed = [.. (await (await client.GetAsync("hotkeys", cancellation)).JsonAsync()).EnumerateArray()]).Length == 1,
            TimeSpan.FromSeconds(10),
            "the warmed key should be listed");
        Assert.Equal(config.Key(1), listed[0].GetProperty("key").GetString());
        Assert.True(listed[0].GetProperty("managed").GetBoolean());
        Assert.Equal(0, listed[0].GetProperty("ratePerMinute").GetDouble());
        await db.StringSetAsync(config.Key(3), "written by the app, no TTL");

        // The app reports its reads: key 1 most, then key 2 (not in Redis), then key 3.
        await db.StreamAddAsync(config.Prefix + "cw:samples", [new NameValueEntry(config.Key(1), 600), new NameValueEntry(config.Key(2), 300), new NameValueEntry(config.Key(3), 100)]);

        JsonElement[] hot = [];
        await Eventually.UntilAsync(
            async () =>
            {
                hot = [.. (await (await client.GetAsync("hotkeys", cancellation)).JsonAsync()).EnumerateArray()];
                return hot.Length == 3 && hot[0].GetProperty("managed").GetBoolean();
            },
            TimeSpan.FromSeconds(20),
            "the three sampled keys should be listed, the warmed one managed");

        Assert.Equal([config.Key(1), config.Key(2), config.Key(3)], hot.Select(h => h.GetProperty("key").GetString()));
        Assert.True(hot[0].GetProperty("ratePerMinute").GetDouble() > hot[1].GetProperty("ratePerMinute").GetDouble());
        // At most the loader's TTL (5 min) plus its jitter (0.5 s).
        Assert.InRange(hot[0].GetProperty("ttlMs").GetInt64(), 1, 300_500);
        Assert.InRange(hot[0].GetProperty("nextRefreshInMs").GetInt64(), 0, 300_500);
        Assert.False(hot[1].GetProperty("managed").GetBoolean());
        Assert.Equal(-2, hot[1].GetProperty("ttlMs").GetInt64());
        Assert.Equal(JsonValueKind.Null, hot[1].GetProperty("nextRefreshInMs").ValueKind);
        Assert.Equal(-1, hot[2].GetProperty("ttlMs").GetInt64());

        var top = await (await client.GetAsync("hotkeys?top=2", cancellation)).JsonAsync();
        Assert.Equal([config.Key(1), config.Key(2)], top.EnumerateArray().Select(h => h.GetProperty("key").GetString()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    [InlineData("-5")]
    public async Task A_bad_top_is_a_400_naming_top(string top)
    {
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithSqlite(Path.Combine(Path.GetTempPath(), "cachewarmer-unused.db"));
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();

        var response = await client.GetAsync($"hotkeys?top={top}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.MediaType());
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("top", out _));
    }
}
