using System.Diagnostics.Metrics;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Refresh;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using MySqlConnector;

namespace CacheWarmer.IntegrationTests.Batches;

/// <summary>
/// A BatchQuery with <c>IN @ids</c>, which Dapper expands into one parameter per key, on SQLite and on MariaDB: one
/// query loads the batch (counted by MariaDB's <c>Com_select</c>, and by the worker's batch-size histogram), each key
/// gets its own current row, and a key without a row is NoValue.
/// </summary>
public sealed class SqlBatchLoadTests(RedisFixture redis, MariaDbFixture mariadb) : IClassFixture<MariaDbFixture>
{
    private const string BatchQuery = "SELECT id, name, price FROM products WHERE id IN @ids ORDER BY id";
    private static readonly TimeSpan AppTtl = TimeSpan.FromSeconds(30);
    private static readonly object[] Ids = [1, 2, 3, 4, 5, 6, 7, 999];

    [Fact]
    public async Task On_Sqlite_one_IN_query_loads_the_batch_with_each_keys_current_row()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cw-batch-{Guid.NewGuid():N}.db");
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.ExecuteAsync("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)");
            await connection.ExecuteAsync("INSERT INTO products VALUES (@id, @name, @price)", Enumerable.Range(1, 7).Select(id => new { id, name = $"Product {id}", price = id * 1.5 }));
            await connection.ExecuteAsync("UPDATE products SET price = 99.5 WHERE id = 4");
        }

        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithSqlite(path)
            .With("CacheWarmer:Loaders:product:BatchQuery", BatchQuery)
            .Unmanaged();

        await AssertOneQueryLoadsTheBatchAsync(config, id => id == 4 ? "99.5" : (id * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture), countSelects: null);
        SqliteConnection.ClearAllPools();
        File.Delete(path);
    }

    [Fact]
    public async Task On_MariaDB_one_IN_query_loads_the_batch_with_each_keys_current_row()
    {
        var catalog = await MySqlCatalog.CreateAsync(await mariadb.Server.CreateDatabaseAsync("batch", TestContext.Current.CancellationToken), 7, TestContext.Current.CancellationToken);
        await catalog.SetPriceAsync(4, 99.5m);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithMySql(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:BatchQuery", BatchQuery)
            .Unmanaged();

        async Task<long> SelectsAsync()
        {
            await using var connection = new MySqlConnection(catalog.ConnectionString);
            // SHOW is not a SELECT: reading the counter does not move it.
            var row = await connection.QuerySingleAsync<(string Name, string Value)>("SHOW GLOBAL STATUS LIKE 'Com_select'");
            return long.Parse(row.Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        await AssertOneQueryLoadsTheBatchAsync(config, id => id == 4 ? "99.50" : (id * 1.25m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), SelectsAsync);
    }

    private async Task AssertOneQueryLoadsTheBatchAsync(WorkerConfig config, Func<int, string> price, Func<Task<long>>? countSelects)
    {
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        using var batches = new MetricCollector<long>(worker.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.load.batch_size");
        var expiry = await BatchRefreshes.WriteAppValuesAsync(db, config, Ids, AppTtl);
        var selectsBefore = countSelects is null ? 0 : await countSelects();

        var outcomes = await BatchRefreshes.RefreshAsync(worker, config, Ids, expiry);

        if (countSelects is not null)
        {
            Assert.Equal(1, await countSelects() - selectsBefore);
        }

        Assert.Equal([8L], batches.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal(RefreshOutcome.NoValue, outcomes["999"]);
        Assert.Equal("app value", (string?)await db.StringGetAsync(config.Key(999)));
        for (var id = 1; id <= 7; id++)
        {
            Assert.Equal(RefreshOutcome.Refreshed, outcomes[id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(BatchRefreshes.Row(id, price(id)), (string?)await db.StringGetAsync(config.Key(id)));
        }
    }
}
