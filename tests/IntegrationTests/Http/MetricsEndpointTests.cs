using System.Net;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>/metrics is Prometheus text holding every metric the README lists under its Prometheus name.</summary>
public sealed class MetricsEndpointTests(RedisFixture redis, PostgresFixture postgres)
{
    // The README's metrics (the public contract): name, Prometheus type, labels every series carries.
    private static readonly (string Name, string Type, string[] Labels)[] Design =
    [
        ("cachewarmer_refreshes_total", "counter", ["loader", "outcome"]),
        ("cachewarmer_load_duration_seconds", "histogram", ["loader"]),
        ("cachewarmer_refresh_lead_seconds", "histogram", ["loader"]),
        ("cachewarmer_refresh_fire_lag_seconds", "histogram", []),
        ("cachewarmer_hot_key_expirations_total", "counter", ["loader"]),
        ("cachewarmer_managed_keys", "gauge", []),
        ("cachewarmer_lease_contended_total", "counter", []),
        ("cachewarmer_keyspace_events_total", "counter", ["event"]),
        ("cachewarmer_access_samples_total", "counter", []),
        ("cachewarmer_warm_keys_total", "counter", ["trigger", "outcome"]),
    ];

    [Fact]
    public async Task Metrics_parse_as_Prometheus_text_and_hold_every_DESIGN_metric()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("metrics"), 5, cancellation);
        // Loads take 0.8 s: longer than the short-lived key below lives, so that key expires under its refresh.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, "SELECT id, name, price FROM load_product(@id, 0.8)");
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        var db = redis.Connection.GetDatabase();
        var workerPrefix = config.Prefix + "cw:";

        // A warm: a refresh, a load, a warmed key; the warmed key's next cycle (TTL 6 s) records a refresh lead.
        var warm = await client.PostWarmAsync($$"""{"keys": ["{{config.Key(1)}}"]}""", "?wait=true");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        // A managed key that expires before its refresh lands: a hot-key expiration (and keyspace events).
        await db.StringSetAsync(config.Key(2), "written by the app", TimeSpan.FromMilliseconds(400));

        // Another (live) replica holds key 3's lease: a warm of it finds the lease contended.
        await db.StringSetAsync(WorkerKeys.Replica(workerPrefix, "elsewhere"), "1", TimeSpan.FromSeconds(30));
        await db.StringSetAsync(WorkerKeys.Lease(workerPrefix, config.Key(3)), "elsewhere:token", TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostWarmAsync($$"""{"keys": ["{{config.Key(3)}}"]}""")).StatusCode);

        var missing = Design.Select(d => d.Name).ToList();
        await Eventually.UntilAsync(
            async () =>
            {
                var response = await client.GetAsync("metrics", cancellation);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("text/plain", response.MediaType());
                var (samples, types) = PrometheusText.Parse(await response.Content.ReadAsStringAsync(cancellation));
                missing = Design.Where(d => !Exposed(d, samples, types)).Select(d => d.Name).ToList();
                return missing.Count == 0;
            },
            TimeSpan.FromSeconds(30),
            "every metric the README lists should be exposed");

        var (final, _) = PrometheusText.Parse(await client.GetStringAsync("metrics", cancellation));
        Assert.Contains(final, s => s.Name == "cachewarmer_warm_keys_total" && s.Labels["trigger"] == "http" && s.Labels["outcome"] == "loaded" && s.Value >= 1);
        Assert.Contains(final, s => s.Name == "cachewarmer_refreshes_total" && s.Labels["loader"] == "product" && s.Labels["outcome"] == "refreshed" && s.Value >= 1);
        Assert.Contains(final, s => s.Name == "cachewarmer_load_duration_seconds_bucket" && s.Labels["le"] == "1" && s.Value >= 1);
    }

    [Fact]
    public async Task Each_host_in_a_process_exports_only_its_own_measurements()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("metrics_isolation"), 5, cancellation);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithPostgres(catalog.ConnectionString);
        await using var warming = await WorkerHost.StartAsync(config);
        await using var idle = await WorkerHost.StartAsync(config);
        using var warmingClient = warming.CreateClient();
        using var idleClient = idle.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await warmingClient.PostWarmAsync($$"""{"keys": ["{{config.Key(1)}}"]}""", "?wait=true")).StatusCode);

        static double WarmedKeys(string text) => PrometheusText.Parse(text).Samples.Where(s => s.Name == "cachewarmer_warm_keys_total").Sum(s => s.Value);
        Assert.Equal(1, WarmedKeys(await warmingClient.GetStringAsync("metrics", cancellation)));
        Assert.Equal(0, WarmedKeys(await idleClient.GetStringAsync("metrics", cancellation)));
    }

    [Fact]
    public void The_text_parser_refuses_a_line_that_is_not_a_sample()
    {
        Assert.Throws<FormatException>(() => PrometheusText.Parse("cachewarmer_managed_keys{loader=\"product\" 3\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("cachewarmer_managed_keys three\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# a comment that is neither HELP nor TYPE\n"));
        var (samples, types) = PrometheusText.Parse("# TYPE x_total counter\nx_total{a=\"1\",b=\"q\\\"\"} 2.5e+00\ny 1 1700000000000\n");
        Assert.Equal("counter", types["x_total"]);
        Assert.Equal(2.5, samples[0].Value);
        Assert.Equal("q\\\"", samples[0].Labels["b"]);
    }

    private static bool Exposed((string Name, string Type, string[] Labels) metric, List<PrometheusText.Sample> samples, Dictionary<string, string> types)
    {
        if (types.GetValueOrDefault(metric.Name) != metric.Type)
        {
            return false;
        }

        var series = metric.Type == "histogram"
            ? samples.Where(s => s.Name == metric.Name + "_bucket" || s.Name == metric.Name + "_sum" || s.Name == metric.Name + "_count").ToList()
            : samples.Where(s => s.Name == metric.Name).ToList();
        return series.Count > 0 && series.All(s => metric.Labels.All(s.Labels.ContainsKey)) &&
               (metric.Type != "histogram" || series.Any(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal) && s.Labels.ContainsKey("le")));
    }
}
