using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>
/// A worker whose loaded keys live 5 minutes, so no refresh cycle runs during a test, and whose hot-key threshold no
/// key reaches, so a key is managed only because a warm pinned it.
/// </summary>
public sealed class WarmWorker(RedisFixture redis, PostgresFixture postgres) : ApiWorker(redis, postgres, "warm_endpoints")
{
    internal override void Configure(WorkerConfig config) => config
        .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
        .With("CacheWarmer:HotKeys:MinRatePerMinute", "1000000");
}

/// <summary>POST /warm by keys, by loader and ids, and by pattern; GET /warm/{id}.</summary>
public sealed class WarmEndpointTests(WarmWorker worker) : IClassFixture<WarmWorker>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Warming_keys_answers_202_with_a_job_whose_progress_reaches_completed_and_the_keys_are_loaded_and_managed()
    {
        var config = worker.Config;
        var db = worker.Redis.Connection.GetDatabase();
        var keys = new[] { config.Key(1), config.Key(2), config.Key(3), config.Key(2) };

        var response = await worker.Client.PostWarmAsync($$"""{"keys": [{{string.Join(", ", keys.Select(k => $"\"{k}\""))}}]}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.JsonAsync();
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal(3, accepted.GetProperty("accepted").GetInt32());
        Assert.Equal($"/warm/{id}", response.Headers.Location?.OriginalString);

        System.Text.Json.JsonElement progress = default;
        await Eventually.UntilAsync(
            async () =>
            {
                progress = await (await worker.Client.GetAsync($"warm/{id}", TestContext.Current.CancellationToken)).JsonAsync();
                return progress.GetProperty("state").GetString() == "completed";
            },
            Patience,
            "the warm job should complete");
        Assert.Equal(3, progress.GetProperty("total").GetInt32());
        Assert.Equal(3, progress.GetProperty("done").GetInt32());
        Assert.Equal(0, progress.GetProperty("failed").GetInt32());
        Assert.Equal(3, progress.GetProperty("outcomes").GetProperty("loaded").GetInt32());

        var managed = worker.Host.Get<ManagedKeyIndex>();
        Assert.False(managed.TryGetNextRefresh(config.Key(4), out _), "only warmed keys are managed here");
        for (var i = 1; i <= 3; i++)
        {
            Assert.StartsWith("{\"id\":" + i + ",", (string?)await db.StringGetAsync(config.Key(i)), StringComparison.Ordinal);
            Assert.True((await db.KeyTimeToLiveAsync(config.Key(i))) > TimeSpan.FromMinutes(4));
        }

        await Eventually.UntilAsync(() => Enumerable.Range(1, 3).All(i => managed.TryGetNextRefresh(config.Key(i), out _)), Patience, "warmed keys should be pinned as managed");
        var loads = await worker.Catalog.LoadsAsync();
        Assert.All(Enumerable.Range(1, 3), i => Assert.Single(loads[i]));
    }

    [Fact]
    public async Task Warming_ids_with_wait_answers_200_with_each_keys_outcome_and_leaves_an_existing_value_alone()
    {
        var config = worker.Config;
        var db = worker.Redis.Connection.GetDatabase();
        await db.StringSetAsync(config.Key(11), "written by the app", TimeSpan.FromMinutes(1));

        var response = await worker.Client.PostWarmAsync("""{"loader": "product", "ids": ["10", "11", "9999"]}""", "?wait=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.JsonAsync();
        Assert.Equal("completed", result.GetProperty("state").GetString());
        Assert.Equal(3, result.GetProperty("done").GetInt32());
        Assert.Equal(
            new Dictionary<string, string> { [config.Key(10)] = "loaded", [config.Key(11)] = "already_warm", [config.Key(9999)] = "not_found" },
            ApiCalls.Outcomes(result));
        Assert.Equal([config.Key(10), config.Key(11), config.Key(9999)], result.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("key").GetString()));
        Assert.StartsWith("{\"id\":10,", (string?)await db.StringGetAsync(config.Key(10)), StringComparison.Ordinal);
        Assert.Equal("written by the app", (string?)await db.StringGetAsync(config.Key(11)));
        Assert.False(await db.KeyExistsAsync(config.Key(9999)));
        var loads = await worker.Catalog.LoadsAsync();
        Assert.False(loads.ContainsKey(11), "a key that was there must not be loaded again");
    }

    [Fact]
    public async Task Warming_ids_of_a_two_parameter_pattern_takes_objects()
    {
        var config = worker.Config;

        var response = await worker.Client.PostWarmAsync("""{"loader": "price", "ids": [{"region": "eu", "id": "20"}, {"id": "21", "region": "us"}]}""", "?wait=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcomes = ApiCalls.Outcomes(await response.JsonAsync());
        Assert.Equal("loaded", outcomes[config.Prefix + "price:eu:20"]);
        Assert.Equal("loaded", outcomes[config.Prefix + "price:us:21"]);
        Assert.StartsWith("{\"id\":21,", (string?)await worker.Redis.Connection.GetDatabase().StringGetAsync(config.Prefix + "price:us:21"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warming_a_pattern_takes_the_existing_keys_a_loader_owns_and_pins_them()
    {
        var config = worker.Config;
        var db = worker.Redis.Connection.GetDatabase();
        var existing = new[] { config.Key(40), config.Key(41), config.Key(42) };
        foreach (var key in existing)
        {
            await db.StringSetAsync(key, "written by the app", TimeSpan.FromMinutes(1));
        }

        var managed = worker.Host.Get<ManagedKeyIndex>();
        Assert.DoesNotContain(existing, k => managed.TryGetNextRefresh(k, out _));

        var response = await worker.Client.PostWarmAsync($$"""{"pattern": "{{config.Prefix}}product:4[0-9]"}""", "?wait=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcomes = ApiCalls.Outcomes(await response.JsonAsync());
        Assert.Equal(existing.Order(), outcomes.Keys.Order());
        Assert.All(outcomes.Values, outcome => Assert.Equal("already_warm", outcome));
        Assert.All(existing, k => Assert.Equal("written by the app", (string?)db.StringGet(k)));
        await Eventually.UntilAsync(() => existing.All(k => managed.TryGetNextRefresh(k, out _)), Patience, "the pattern's keys should be pinned as managed");
    }

    [Fact]
    public async Task Progress_of_an_unknown_job_is_a_404_problem()
    {
        var response = await worker.Client.GetAsync("warm/0123456789abcdef", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.MediaType());
        Assert.Contains("in memory", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_endpoint()
    {
        var response = await worker.Client.GetAsync("openapi/v1.json", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.JsonAsync();
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/warm", "/warm/{id}", "/hotkeys", "/healthz", "/readyz" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the document lacks {path}");
        }

        Assert.True(paths.GetProperty("/warm").GetProperty("post").GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("WarmRequest", out _));
    }
}
