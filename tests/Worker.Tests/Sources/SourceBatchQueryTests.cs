using System.Text;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Sources;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Tests.Sources;

/// <summary>A batch writes for each key exactly the bytes its single-key load writes, matched by the key's column.</summary>
public sealed class SourceBatchQueryTests : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cachewarmer-batch-tests-").FullName;
    private readonly LoaderCatalog _catalog;
    private readonly SourceConnections _connections;

    public SourceBatchQueryTests()
    {
        var connectionString = $"Data Source={Path.Combine(_folder, "catalog.db")};Pooling=False";
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, category TEXT NOT NULL);
                INSERT INTO products VALUES (1, 'Widget', 9.5, 'tools'), (2, 'Gadget', 20.25, 'tools'), (3, 'O''Brien''s Ale', 4, 'drinks');
                """;
            command.ExecuteNonQuery();
        }

        var options = new CacheWarmerOptions();
        options.Sources["catalog"] = new SourceOptions { Provider = "Sqlite", ConnectionString = connectionString };
        Add(options, "product", "product:{id}", "SELECT id, name, price FROM products WHERE id = @id", "SELECT id, name, price FROM products WHERE id IN @ids ORDER BY id DESC", "Row");
        Add(options, "category", "category:{category}", "SELECT id, name, category FROM products WHERE category = @category ORDER BY id", "SELECT id, name, category FROM products WHERE category IN @categorys ORDER BY id", "Rows");
        Add(options, "nokey", "nokey:{id}", "SELECT name FROM products WHERE id = @id", "SELECT name FROM products WHERE id IN @ids", "Row");
        _catalog = new LoaderCatalog(Options.Create(options.Loaders));
        _connections = new SourceConnections(Options.Create(options.Sources));
    }

    [Fact]
    public async Task Each_row_goes_to_its_key_with_the_bytes_a_single_load_writes_and_a_missing_row_is_null()
    {
        string[] keys = ["product:2", "product:404", "product:3", "product:1"];

        var batch = await LoadBatchAsync(keys);

        Assert.Null(batch[1]);
        foreach (var i in (int[])[0, 2, 3])
        {
            Assert.Equal(await LoadSingleAsync(keys[i]), batch[i]);
        }

        Assert.Equal("""{"id":3,"name":"O\u0027Brien\u0027s Ale","price":4}""", batch[2]);
    }

    [Fact]
    public async Task Rows_gather_every_row_of_a_key_in_order_and_a_key_without_rows_is_an_empty_array()
    {
        string[] keys = ["category:drinks", "category:tools", "category:none"];

        var batch = await LoadBatchAsync(keys);

        Assert.Equal(await LoadSingleAsync(keys[0]), batch[0]);
        Assert.Equal(await LoadSingleAsync(keys[1]), batch[1]);
        Assert.Equal("""[{"id":1,"name":"Widget","category":"tools"},{"id":2,"name":"Gadget","category":"tools"}]""", batch[1]);
        Assert.Equal("[]", batch[2]);
        Assert.Equal(await LoadSingleAsync(keys[2]), batch[2]);
    }

    [Fact]
    public async Task A_batch_query_that_does_not_return_the_key_column_fails_naming_the_fix()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LoadBatchAsync(["nokey:1", "nokey:2"]));

        Assert.Contains("the BatchQuery of loader 'nokey' returns no column named 'id'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_PostgreSQL_key_array_quotes_and_escapes_every_key()
    {
        Assert.Equal("""{"1","a\"b","c\\d","NULL","x,y}"}""", KeyArrayParameter.Literal(["1", "a\"b", "c\\d", "NULL", "x,y}"]));
    }

    public async ValueTask DisposeAsync()
    {
        await _connections.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<string?[]> LoadBatchAsync(string[] keys)
    {
        var matches = keys.Select(k => _catalog.Match(k)!).ToList();
        var values = await new SourceBatchQuery(_connections).LoadAsync(matches[0].Loader, matches, TestContext.Current.CancellationToken);
        return [.. values.Select(v => v is null ? null : Encoding.UTF8.GetString(v))];
    }

    private async Task<string?> LoadSingleAsync(string key)
    {
        var value = await new SourceQuery(_connections).LoadAsync(_catalog.Match(key)!, TestContext.Current.CancellationToken);
        return value is null ? null : Encoding.UTF8.GetString(value);
    }

    private static void Add(CacheWarmerOptions options, string name, string key, string query, string batchQuery, string result) =>
        options.Loaders[name] = new LoaderOptions { Key = key, Source = "catalog", Query = query, BatchQuery = batchQuery, Result = result, Ttl = TimeSpan.FromMinutes(5) };
}
