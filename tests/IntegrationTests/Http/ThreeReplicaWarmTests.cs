using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>Invariant 1 for warms: the same warm sent to three replicas at once loads each key exactly once.</summary>
public sealed class ThreeReplicaWarmTests(RedisFixture redis, PostgresFixture postgres)
{
    private const int Keys = 1000;

    [Fact]
    public async Task Three_replicas_receiving_the_same_1000_key_warm_at_once_load_each_key_exactly_once()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("three_replica_warm"), Keys, cancellation);
        // TTLs of 5 minutes: no refresh cycle may add a load while the test counts them.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With("CacheWarmer:Http:Warm:MaxPerSecond", "1000");
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        await using var c = await WorkerHost.StartAsync(config);
        var ids = string.Join(", ", Enumerable.Range(1, Keys).Select(id => $"\"{id}\""));
        var body = $$"""{"loader": "product", "ids": [{{ids}}]}""";

        var clients = new[] { a, b, c }.Select(w => w.CreateClient()).ToArray();
        using var gate = new SemaphoreSlim(0);
        var posts = clients.Select(async client =>
        {
            await gate.WaitAsync(cancellation);
            return await client.PostWarmAsync(body, "?wait=true");
        }).ToArray();
        gate.Release(clients.Length);
        var responses = await Task.WhenAll(posts);

        var results = new List<Dictionary<string, string>>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var result = await response.JsonAsync();
            Assert.Equal("completed", result.GetProperty("state").GetString());
            Assert.Equal(0, result.GetProperty("failed").GetInt32());
            results.Add(ApiCalls.Outcomes(result));
        }

        // Every replica reports every key as loaded by itself or already warm; together they loaded each once.
        Assert.All(results, r => Assert.Equal(Keys, r.Count));
        Assert.All(results.SelectMany(r => r.Values), outcome => Assert.Contains(outcome, new[] { "loaded", "already_warm" }));
        var loadedByReplicas = results.Sum(r => r.Values.Count(o => o == "loaded"));
        var loads = await catalog.LoadsAsync();
        Assert.Equal(Keys, loads.Count);
        Assert.All(loads, l => Assert.True(l.Value.Count == 1, $"product {l.Key} was loaded {l.Value.Count} times"));
        Assert.Equal(Keys, loadedByReplicas);
        var db = redis.Connection.GetDatabase();
        var present = await Task.WhenAll(Enumerable.Range(1, Keys).Select(id => db.KeyExistsAsync(config.Key(id))));
        Assert.All(present, Assert.True);

        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
