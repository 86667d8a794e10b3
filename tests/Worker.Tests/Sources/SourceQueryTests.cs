using System.Text;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Sources;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Tests.Sources;

public sealed class SourceQueryTests : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cachewarmer-worker-tests-").FullName;
    private readonly string _connectionString;
    private readonly LoaderCatalog _catalog;
    private readonly SourceConnections _connections;
    private readonly SourceQuery _query;

    public SourceQueryTests()
    {
        _connectionString = $"Data Source={Path.Combine(_folder, "catalog.db")};Pooling=False";
        Execute("""
            CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, category TEXT NOT NULL);
            INSERT INTO products VALUES (1, 'Widget', 9.5, 'tools'), (2, 'Gadget', 20.25, 'tools'), (3, 'O''Brien''s Ale', 4, 'drinks');
            """);

        var options = new CacheWarmerOptions();
        options.Sources["catalog"] = new SourceOptions { Provider = "Sqlite", ConnectionString = _connectionString };
        AddLoader(options, "product", "product:{id}", "SELECT id, name, price FROM products WHERE id = @id", "Row");
        AddLoader(options, "category", "category:{category}", "SELECT id, name FROM products WHERE category = @category ORDER BY id", "Rows");
        AddLoader(options, "name", "name:{id}", "SELECT name FROM products WHERE id = @id", "Scalar");
        AddLoader(options, "price", "price:{id}", "SELECT price FROM products WHERE id = @id", "Scalar");
        AddLoader(options, "id-by-name", "id-by-name:{name}", "SELECT id FROM products WHERE name = @name", "Scalar");
        _catalog = new LoaderCatalog(Options.Create(options.Loaders));
        _connections = new SourceConnections(Options.Create(options.Sources));
        _query = new SourceQuery(_connections);
    }

    [Fact]
    public async Task Row_is_the_first_row_as_a_json_object_with_the_database_column_names()
    {
        Assert.Equal("""{"id":1,"name":"Widget","price":9.5}""", await Load("product:1"));
    }

    [Fact]
    public async Task Rows_is_every_row_as_a_json_array()
    {
        Assert.Equal("""[{"id":1,"name":"Widget"},{"id":2,"name":"Gadget"}]""", await Load("category:tools"));
    }

    [Fact]
    public async Task Scalar_is_the_raw_first_column()
    {
        Assert.Equal("Gadget", await Load("name:2"));
        Assert.Equal("20.25", await Load("price:2"));
    }

    [Theory]
    [InlineData("product:999")]
    [InlineData("name:999")]
    public async Task Row_or_scalar_with_no_row_is_nothing_to_write(string key)
    {
        Assert.Null(await Load(key));
    }

    [Fact]
    public async Task Rows_with_no_row_is_an_empty_array()
    {
        Assert.Equal("[]", await Load("category:garden"));
    }

    [Theory]
    [InlineData("product:1 OR 1=1")]
    [InlineData("product:1' OR '1'='1")]
    [InlineData("product:1'; DROP TABLE products; --")]
    [InlineData("product:1; DROP TABLE products; --")]
    [InlineData("name:0 UNION SELECT sql FROM sqlite_master")]
    public async Task Key_holding_sql_loads_nothing(string key)
    {
        Assert.Null(await Load(key));
        Assert.Equal(3L, Count("SELECT count(*) FROM products"));
    }

    [Theory]
    [InlineData("category:tools' OR '1'='1")]
    [InlineData("category:x' OR 1=1 --")]
    [InlineData("category:tools'; DROP TABLE products; --")]
    public async Task Key_holding_sql_does_not_widen_a_rows_query(string key)
    {
        Assert.Equal("[]", await Load(key));
        Assert.Equal(1L, Count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'products'"));
        Assert.Equal(3L, Count("SELECT count(*) FROM products"));
    }

    [Fact]
    public async Task Key_text_with_quotes_is_compared_as_data()
    {
        Assert.Equal("3", await Load("id-by-name:O'Brien's Ale"));
    }

    public async ValueTask DisposeAsync()
    {
        await _connections.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<string?> Load(string key)
    {
        var match = _catalog.Match(key);
        Assert.NotNull(match);
        var bytes = await _query.LoadAsync(match, TestContext.Current.CancellationToken);
        return bytes is null ? null : Encoding.UTF8.GetString(bytes);
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long Count(string sql)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static void AddLoader(CacheWarmerOptions options, string name, string key, string query, string result) =>
        options.Loaders[name] = new LoaderOptions { Key = key, Source = "catalog", Query = query, Result = result };
}
