using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.WarmRequests;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>A worker with CacheWarmer:Http:ApiKey set.</summary>
public sealed class KeyedWorker(RedisFixture redis, PostgresFixture postgres) : ApiWorker(redis, postgres, "api_key")
{
    public const string ApiKey = "3f9c2a7e51d84b06a1c0e2d9f7b3a456";

    internal override void Configure(WorkerConfig config) => config.With("CacheWarmer:Http:ApiKey", ApiKey);
}

/// <summary>With an API key configured, every endpoint but the probes and /metrics needs it in X-Api-Key.</summary>
public sealed class ApiKeyTests(KeyedWorker worker) : IClassFixture<KeyedWorker>
{
    public static TheoryData<string, string?> WrongKeys => new()
    {
        { "no key", null },
        { "an empty key", "" },
        { "a wrong key of the same length", "00000000000000000000000000000000" },
        { "the key's first half", KeyedWorker.ApiKey[..16] },
        { "the key with a character more", KeyedWorker.ApiKey + "0" },
        { "the key in other case", KeyedWorker.ApiKey.ToUpperInvariant() },
    };

    [Theory]
    [MemberData(nameof(WrongKeys))]
    public async Task Warming_without_the_right_key_is_a_401_problem_and_changes_nothing(string @case, string? key)
    {
        // The other test of this class may have warmed a key already.
        var (jobs, keys, attempts) = (worker.Host.Get<WarmJobs>().Count, await ApiCalls.KeysAsync(worker.Redis.Connection, worker.Config.Prefix), await worker.Catalog.AttemptsAsync());

        var response = await worker.Client.PostWarmAsync($$"""{"keys": ["{{worker.Config.Key(1)}}"]}""", "?wait=true", key);

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{@case}: got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.MediaType());
        Assert.Contains("X-Api-Key", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(jobs, worker.Host.Get<WarmJobs>().Count);
        Assert.Equal(keys.Order(), (await ApiCalls.KeysAsync(worker.Redis.Connection, worker.Config.Prefix)).Order());
        Assert.Equal(attempts, await worker.Catalog.AttemptsAsync());
    }

    [Fact]
    public async Task Warming_with_the_key_works()
    {
        var response = await worker.Client.PostWarmAsync($$"""{"keys": ["{{worker.Config.Key(2)}}"]}""", "?wait=true", KeyedWorker.ApiKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("loaded", ApiCalls.Outcomes(await response.JsonAsync())[worker.Config.Key(2)]);
    }

    [Fact]
    public async Task Every_other_endpoint_answers_401_without_the_right_key_and_200_with_it()
    {
        // A job to ask about, and a hot key for /hotkeys to name.
        var warm = await worker.Client.PostWarmAsync($$"""{"keys": ["{{worker.Config.Key(3)}}"]}""", "?wait=true", KeyedWorker.ApiKey);
        var id = (await warm.JsonAsync()).GetProperty("id").GetString();
        string[] paths = [$"warm/{id}", "hotkeys", "hotkeys?top=5", "openapi/v1.json"];

        foreach (var path in paths)
        {
            foreach (var (@case, key) in WrongKeys.Select(row => row.Data))
            {
                var refused = await GetAsync(path, key);
                Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"GET /{path} with {@case} answered {(int)refused.StatusCode}");
                Assert.Equal("application/problem+json", refused.MediaType());
                var body = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.Contains("X-Api-Key", body, StringComparison.Ordinal);
                Assert.DoesNotContain(worker.Config.Prefix, body, StringComparison.Ordinal);
            }

            var read = await GetAsync(path, KeyedWorker.ApiKey);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"GET /{path} with the key answered {(int)read.StatusCode}");
        }

        // A path no endpoint serves does not tell an unkeyed caller so.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("no-such-path", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("no-such-path", KeyedWorker.ApiKey)).StatusCode);
    }

    [Fact]
    public async Task The_probes_and_metrics_answer_without_a_key()
    {
        foreach (var path in new[] { "healthz", "metrics" })
        {
            var read = await GetAsync(path, null);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"GET /{path} answered {(int)read.StatusCode}");
        }

        await Eventually.UntilAsync(async () => (await GetAsync("readyz", null)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "GET /readyz should answer 200 without a key");

        // A wrong key does not spoil an open endpoint either.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("healthz", "wrong")).StatusCode);
    }

    private Task<HttpResponseMessage> GetAsync(string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return worker.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
