using Dapper;
using Npgsql;

namespace CacheWarmer.TestUtils;

/// <summary>
/// A product catalog in its own PostgreSQL database that counts, in the database itself, every load the worker runs:
/// <c>load_product(id, sleep)</c> bumps a sequence on every attempt (sequences survive a rolled-back failure), fails
/// while the <c>source_state</c> switch says so, sleeps to model query time, and records each successful load with
/// the server's clock and the loading replica (the application name of its connection string). A batch query counts
/// itself by joining <c>batch_query(sleep)</c> (one call per query, failing and sleeping as <c>load_product</c> does):
/// <c>SELECT p.id, p.name, p.price FROM batch_query() q, products p WHERE p.id = ANY(@ids)</c>. A batch query that
/// should count its keys as single loads do calls <c>load_products(ids, sleep)</c> instead (one sleep per query, one
/// <c>loads</c> row and one attempt per id): <c>SELECT id, name, price FROM load_products(@ids, 0.005)</c>. Shared by
/// the integration tests and the benchmarks, so both count loads the same way.
/// </summary>
public sealed class PostgresCatalog(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public static async Task<PostgresCatalog> CreateAsync(string connectionString, int products, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL);
            CREATE UNLOGGED TABLE loads (id integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(),
                                         replica text NOT NULL DEFAULT current_setting('application_name'));
            CREATE TABLE source_state (failing boolean NOT NULL);
            INSERT INTO source_state VALUES (false);
            CREATE SEQUENCE load_attempts;
            CREATE FUNCTION load_product(p_id integer, p_sleep float8 DEFAULT 0)
              RETURNS TABLE (id integer, name text, price numeric) LANGUAGE plpgsql VOLATILE AS $$
            #variable_conflict use_column
            BEGIN
              PERFORM nextval('load_attempts');
              IF (SELECT failing FROM source_state) THEN
                RAISE EXCEPTION 'the catalog is down (test switch)';
              END IF;
              IF p_sleep > 0 THEN
                PERFORM pg_sleep(p_sleep);
              END IF;
              INSERT INTO loads (id) VALUES (p_id);
              RETURN QUERY SELECT p.id, p.name, p.price FROM products p WHERE p.id = p_id;
            END $$;
            CREATE FUNCTION load_products(p_ids integer[], p_sleep float8 DEFAULT 0)
              RETURNS TABLE (id integer, name text, price numeric) LANGUAGE plpgsql VOLATILE AS $$
            #variable_conflict use_column
            BEGIN
              PERFORM nextval('load_attempts') FROM unnest(p_ids);
              IF (SELECT failing FROM source_state) THEN
                RAISE EXCEPTION 'the catalog is down (test switch)';
              END IF;
              IF p_sleep > 0 THEN
                PERFORM pg_sleep(p_sleep);
              END IF;
              INSERT INTO loads (id) SELECT unnest(p_ids);
              RETURN QUERY SELECT p.id, p.name, p.price FROM products p WHERE p.id = ANY(p_ids);
            END $$;
            CREATE SEQUENCE batch_queries;
            CREATE FUNCTION batch_query(p_sleep float8 DEFAULT 0) RETURNS TABLE (query bigint) LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
              PERFORM nextval('batch_queries');
              IF (SELECT failing FROM source_state) THEN
                RAISE EXCEPTION 'the catalog is down (test switch)';
              END IF;
              IF p_sleep > 0 THEN
                PERFORM pg_sleep(p_sleep);
              END IF;
              RETURN QUERY SELECT currval('batch_queries');
            END $$;
            INSERT INTO products SELECT g, 'Product ' || g, g * 1.25 FROM generate_series(1, @products) g;
            """,
            new { products },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new PostgresCatalog(connectionString);
    }

    public Task SetFailingAsync(bool failing) =>
        ExecuteAsync("UPDATE source_state SET failing = @failing", new { failing });

    public Task SetPriceAsync(int id, decimal price) =>
        ExecuteAsync("UPDATE products SET price = @price WHERE id = @id", new { id, price });

    public Task AddProductAsync(int id, string name, decimal price) =>
        ExecuteAsync("INSERT INTO products (id, name, price) VALUES (@id, @name, @price)", new { id, name, price });

    /// <summary>Load attempts, successful or not.</summary>
    public Task<long> AttemptsAsync() =>
        ScalarAsync<long>("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM load_attempts");

    /// <summary>Batch queries that ran <c>batch_query()</c> (successfully or not).</summary>
    public Task<long> BatchQueriesAsync() =>
        ScalarAsync<long>("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM batch_queries");

    /// <summary>Successful loads so far.</summary>
    public Task<long> LoadCountAsync() => ScalarAsync<long>("SELECT count(*) FROM loads");

    /// <summary>Successful loads per product id, in order, each with the database's time.</summary>
    public async Task<Dictionary<int, List<DateTime>>> LoadsAsync() =>
        (await LoadsByReplicaAsync().ConfigureAwait(false)).ToDictionary(l => l.Key, l => l.Value.Select(x => x.At).ToList());

    /// <summary>Successful loads per product id, in order, each with the database's time and the loading replica.</summary>
    public async Task<Dictionary<int, List<CatalogLoad>>> LoadsByReplicaAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        var rows = await connection.QueryAsync<(int Id, DateTime At, string Replica)>("SELECT id, at, replica FROM loads ORDER BY at").ConfigureAwait(false);
        return rows.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Select(r => new CatalogLoad(r.At, r.Replica)).ToList());
    }

    /// <summary>Queries running right now for the given application name (set in the connection string).</summary>
    public Task<int> ActiveQueriesAsync(string applicationName) =>
        ScalarAsync<int>(
            "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = @applicationName AND state = 'active'",
            new { applicationName });

    public async Task<string> ServerVersionAsync() => await ScalarAsync<string>("SHOW server_version").ConfigureAwait(false) ?? "?";

    private async Task ExecuteAsync(string sql, object parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.ExecuteAsync(sql, parameters).ConfigureAwait(false);
    }

    private async Task<T?> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<T>(sql, parameters).ConfigureAwait(false);
    }
}

/// <summary>One successful load: when (the database's clock) and by which replica.</summary>
public readonly record struct CatalogLoad(DateTime At, string Replica);
