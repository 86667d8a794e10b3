using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Warming;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>A worker with CacheWarmer:Http:ApiKey set.</summary>
public sealed class KeyedWorker(RedisFixture redis, PostgresFixture postgres) : ApiWorker(redis, postgres, "api_key")
{
    public const string ApiKey = "3f9c2a7e51d84b06a1c0e2d9f7b3a456";

    internal override void Configure(WorkerConfig config) => config.With("CacheWarmer:Http:ApiKey", ApiKey);
}

/// <summary>With an API key configured, POST /warm needs it in X-Api-Key; reading endpoints do not.</summary>
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
    public async Task Warming_with_the_key_works_and_reading_needs_no_key()
    {
        var response = await worker.Client.PostWarmAsync($$"""{"keys": ["{{worker.Config.Key(2)}}"]}""", "?wait=true", KeyedWorker.ApiKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("loaded", ApiCalls.Outcomes(await response.JsonAsync())[worker.Config.Key(2)]);
        var id = (await response.JsonAsync()).GetProperty("id").GetString();
        foreach (var path in new[] { $"warm/{id}", "hotkeys", "healthz", "readyz", "metrics", "openapi/v1.json" })
        {
            var read = await worker.Client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"GET /{path} answered {(int)read.StatusCode}");
        }
    }
}
