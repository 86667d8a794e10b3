using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary><c>Format: Hash</c>: the row as a plain Redis hash, one field per column, fenced like every other write.</summary>
public sealed class HashFormatTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task The_fenced_write_sets_one_field_per_column_removes_NULL_ones_and_an_app_HSET_supersedes_it()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        var key = prefix + "product:1";
        await db.HashSetAsync(key, [new HashEntry("name", "old"), new HashEntry("note", "to be removed")]);
        await db.KeyExpireAsync(key, TimeSpan.FromSeconds(30));
        var lease = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key, ValueFormat.Hash);
        Assert.True((await lease.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        Assert.Null(lease.ForeignType);

        var written = await lease.WriteAsync(HashFields.From("""{"id":1,"name":"Product \"1\"","price":99.00,"note":null,"tags":["a"]}"""u8.ToArray()), TimeSpan.FromSeconds(30));

        Assert.Equal(FencedWriteOutcome.Written, written.Outcome);
        var fields = (await db.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        Assert.Equal(new Dictionary<string, string?> { ["id"] = "1", ["name"] = "Product \"1\"", ["price"] = "99.00", ["tags"] = "[\"a\"]" }, fields);
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(30));

        // Any field an app changes during the next load supersedes it.
        var next = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key, ValueFormat.Hash);
        Assert.True((await next.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        await db.HashSetAsync(key, "price", "5.00");
        Assert.Equal(FencedWriteOutcome.Superseded, (await next.WriteAsync(HashFields.From("""{"id":1,"price":1.25}"""u8.ToArray()), TimeSpan.FromSeconds(30))).Outcome);
        Assert.Equal("5.00", (string?)await db.HashGetAsync(key, "price"));
    }

    [Fact]
    public async Task A_hash_loader_keeps_the_rows_fields_fresh_over_several_TTLs()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("hash_format"), 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Format", "Hash");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var key = config.Key(2);

        // The app caches the row as a hash for 2 s; the worker takes it over and keeps it.
        await db.HashSetAsync(key, [new HashEntry("id", "2"), new HashEntry("name", "app's copy")]);
        await db.KeyExpireAsync(key, TimeSpan.FromSeconds(2));
        await Eventually.UntilAsync(async () => (string?)await db.HashGetAsync(key, "name") == "Product 2", TimeSpan.FromSeconds(15), "the worker should write the row's fields");
        Assert.Equal("2.50", (string?)await db.HashGetAsync(key, "price"));

        await catalog.SetPriceAsync(2, 7.5m);
        await Eventually.UntilAsync(async () => (string?)await db.HashGetAsync(key, "price") == "7.50", TimeSpan.FromSeconds(20), "a later cycle should write the new price");
        Assert.True(await db.KeyExistsAsync(key));
        Assert.True((await db.KeyTimeToLiveAsync(key)) > TimeSpan.Zero);
    }
}
