using System.Globalization;
using CacheWarmer.TestUtils;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CacheWarmer.ThroughputBench;

/// <summary>
/// A product catalog of N rows the worker loads from: <c>products(id, name, price)</c>, queried by the plain
/// <c>SELECT id, name, price FROM products WHERE id = @id</c> (no sleeping function: the loader is as fast as the
/// database answers), and in batched runs by the provider's <see cref="BatchQuery"/>.
/// </summary>
internal abstract class BenchCatalog : IAsyncDisposable
{
    public const string Query = "SELECT id, name, price FROM products WHERE id = @id";

    public abstract SourceKind Kind { get; }

    /// <summary>The loader's BatchQuery of the batched runs, in the provider's list form.</summary>
    public abstract string BatchQuery { get; }

    /// <summary>The worker's Sources:…:Provider.</summary>
    public abstract string Provider { get; }

    public abstract string ConnectionString { get; }

    /// <summary>The PostgreSQL server's port, whose processes' CPU time is counted; null for SQLite (in-process).</summary>
    public virtual int? ServerPort => null;

    public abstract string Version { get; }

    /// <summary>Statements the server has completed (transactions, each autocommit query is one); null when not countable.</summary>
    public virtual Task<long?> StatementsAsync() => Task.FromResult<long?>(null);

    public abstract ValueTask DisposeAsync();
}

/// <summary>A SQLite file with the demo catalog's shape (demo/DemoApp CatalogSeeder), opened read-only by the worker.</summary>
internal sealed class SqliteBenchCatalog : BenchCatalog
{
    private readonly string _folder;

    private SqliteBenchCatalog(string folder, string path, string version)
    {
        _folder = folder;
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString();
        Version = "SQLite " + version;
    }

    public override SourceKind Kind => SourceKind.Sqlite;

    public override string BatchQuery => "SELECT id, name, price FROM products WHERE id IN @ids";

    public override string Provider => "Sqlite";

    public override string ConnectionString { get; }

    public override string Version { get; }

    public static async Task<SqliteBenchCatalog> CreateAsync(int products)
    {
        var folder = Directory.CreateTempSubdirectory("cachewarmer-throughput-").FullName;
        var path = Path.Combine(folder, "catalog.db");
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            """
            CREATE TABLE products (
                id       INTEGER PRIMARY KEY,
                name     TEXT    NOT NULL,
                price    REAL    NOT NULL,
                featured INTEGER NOT NULL DEFAULT 0
            );
            """,
            transaction: transaction);
        await connection.ExecuteAsync(
            "INSERT INTO products (id, name, price, featured) VALUES (@Id, @Name, @Price, @Featured)",
            Enumerable.Range(1, products).Select(id => new
            {
                Id = id,
                Name = "Product " + id.ToString(CultureInfo.InvariantCulture),
                Price = (499 + (id * 7919L % 20_000)) / 100.0,
                Featured = id % 20 == 0 ? 1 : 0,
            }),
            transaction);
        await transaction.CommitAsync();
        var version = await connection.ExecuteScalarAsync<string>("SELECT sqlite_version()") ?? "?";
        return new SqliteBenchCatalog(folder, path, version);
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A private PostgreSQL server (tests/TestUtils) with the TestUtils product catalog in a database of its own.</summary>
internal sealed class PostgresBenchCatalog : BenchCatalog
{
    private readonly PostgresServer _server;
    private readonly string _admin;

    private PostgresBenchCatalog(PostgresServer server, string connectionString, string version)
    {
        _server = server;
        ConnectionString = connectionString;
        // Counted on a connection string of its own, so the counter's own queries are not mixed with the worker's pool.
        _admin = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "bench-counter" }.ConnectionString;
        Version = "PostgreSQL " + version;
    }

    public override SourceKind Kind => SourceKind.Postgres;

    public override string BatchQuery => "SELECT id, name, price FROM products WHERE id = ANY(@ids)";

    public override string Provider => "Postgres";

    public override string ConnectionString { get; }

    public override int? ServerPort => _server.Port;

    public override string Version { get; }

    public static async Task<PostgresBenchCatalog> CreateAsync(int products, string? extraOptions, CancellationToken cancellationToken)
    {
        var server = await PostgresServer.StartAsync(cancellationToken);
        try
        {
            var database = await server.CreateDatabaseAsync("throughput_bench", cancellationToken);
            var catalog = await PostgresCatalog.CreateAsync(database, products, cancellationToken);
            await using var connection = new NpgsqlConnection(database);
            await connection.ExecuteAsync("VACUUM ANALYZE products");
            var version = await catalog.ServerVersionAsync();
            return new PostgresBenchCatalog(server, string.IsNullOrEmpty(extraOptions) ? database : database + ";" + extraOptions, version);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public override async Task<long?> StatementsAsync()
    {
        await using var connection = new NpgsqlConnection(_admin);
        // Backends flush their statistics when they go idle (at most once a second) and when they exit; the caller
        // reads after the worker's pool is closed, so every backend has exited and flushed.
        return await connection.ExecuteScalarAsync<long>(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()");
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _server.DisposeAsync();
    }
}
