using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CacheWarmer.IntegrationTests;

/// <summary>Invariant 5: key text reaches SQL only as parameters; keys matching no loader are never written.</summary>
public sealed class KeyInjectionTests(RedisFixture redis, PostgresFixture postgres)
{
    private static readonly string[] HostileIds = ["1 OR 1=1", "1' OR '1'='1", "1; DROP TABLE products; --", "1\" OR \"\"=\"", "-1 UNION SELECT 1, 'x', 2"];

    [Fact]
    public async Task Sql_in_a_key_is_a_parameter_on_Sqlite_and_nothing_is_written()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cw-injection-{Guid.NewGuid():N}.db");
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.ExecuteAsync("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL); INSERT INTO products VALUES (1, 'Product 1', 1.5), (2, 'Product 2', 2.5);");
        }

        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithSqlite(path);
        await AssertHostileKeysAreNeverWrittenAsync(config);
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM products"));
        }
    }

    [Fact]
    public async Task Sql_in_a_key_is_a_parameter_on_Postgres_and_nothing_is_written()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("injection"), 2, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, "SELECT id, name, price FROM products WHERE id::text = @id");
        await AssertHostileKeysAreNeverWrittenAsync(config);
        await using var connection = new Npgsql.NpgsqlConnection(catalog.ConnectionString);
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM products"));
    }

    private async Task AssertHostileKeysAreNeverWrittenAsync(WorkerConfig config)
    {
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var hostile = HostileIds.Select(config.Key).ToList();
        var unowned = new[] { config.Prefix + "other:1", config.Prefix + "productx:1", config.Prefix + "product" };
        foreach (var key in hostile.Concat(unowned))
        {
            await db.StringSetAsync(key, "written by the app", TimeSpan.FromSeconds(3));
        }

        // A control key proves the worker was running and refreshing meanwhile.
        await db.StringSetAsync(config.Key(2), "written by the app", TimeSpan.FromSeconds(3));
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(config.Key(2)))?.StartsWith("{\"id\":2,", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(10),
            "the control key should be refreshed");

        // Until every hostile or unowned key has expired untouched: none may ever hold a loaded row.
        await Eventually.UntilAsync(
            async () =>
            {
                foreach (var key in hostile.Concat(unowned))
                {
                    var value = (string?)await db.StringGetAsync(key);
                    Assert.True(value is null or "written by the app", $"{key} was overwritten with {value}");
                }

                var remaining = await Task.WhenAll(hostile.Concat(unowned).Select(k => db.KeyExistsAsync(k)));
                return remaining.All(exists => !exists);
            },
            TimeSpan.FromSeconds(10),
            "the hostile and unowned keys should expire untouched");
    }
}
