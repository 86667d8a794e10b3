using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// A library format's key holding an entry the app wrote in a layout the worker was not verified against (another
/// serializer, another payload, more fields) is left as the app wrote it, and the key is named in an error (2040).
/// </summary>
public sealed class UnknownEntryLayoutTests(RedisFixture redis, PostgresFixture postgres)
{
    [Theory]
    [InlineData("HybridCache", "")]
    [InlineData("FusionCache", "v2:")]
    [InlineData("DistributedCache", "")]
    public async Task An_entry_of_a_layout_the_worker_does_not_write_is_not_overwritten_and_is_logged(string format, string version)
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("unknown_" + format.ToLowerInvariant()), 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, """SELECT id AS "Id", name AS "Name", price AS "Price" FROM load_product(@id)""");
        var instance = config.Prefix + "app:";
        config.With("CacheWarmer:Loaders:product:Key", instance + version + "product:{id}")
            .With("CacheWarmer:Loaders:product:Format", format)
            .With("CacheWarmer:Loaders:product:InstanceName", instance);
        var logs = new FakeLoggerProvider();
        await using var worker = await WorkerHost.StartAsync(config, services => services.AddSingleton<ILoggerFactory>(new LoggerFactory([logs])));

        // What an app on another serializer or library version might keep there, in RedisCache's hash.
        var key = instance + version + "product:1";
        var app = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(4) };
        using var cache = new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = instance });
        byte[] written = [0x85, 0xa5, .. "Value"u8, 0x01, 0x02];
        var db = redis.Connection.GetDatabase();
        if (format == "DistributedCache")
        {
            await db.HashSetAsync(key, [new("absexp", -1), new("sldexp", -1), new("data", written), new("version", 12)]);
            await db.KeyExpireAsync(key, app.AbsoluteExpirationRelativeToNow);
        }
        else
        {
            await cache.SetAsync(version + "product:1", written, app, TestContext.Current.CancellationToken);
        }

        await Eventually.UntilAsync(
            () => logs.Collector.GetSnapshot().Any(r => r.Id.Id == 2040 && r.GetStructuredStateValue("Key") == key),
            TimeSpan.FromSeconds(10),
            "the worker should name the key whose entry it does not know");

        Assert.Equal(written, (byte[])(await db.HashGetAsync(key, "data"))!);
        Assert.Empty(await catalog.LoadsAsync());
        var record = logs.Collector.GetSnapshot().First(r => r.Id.Id == 2040);
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.Contains(format, record.Message, StringComparison.Ordinal);
    }
}
