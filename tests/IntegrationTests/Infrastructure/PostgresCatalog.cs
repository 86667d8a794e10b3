using Dapper;
using Npgsql;

namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// A product catalog in its own PostgreSQL database that counts, in the database itself, every load the worker runs:
/// <c>load_product(id, sleep)</c> bumps a sequence on every attempt (sequences survive a rolled-back failure), fails
/// while the <c>source_state</c> switch says so, and records each successful load with the server's clock.
/// </summary>
internal sealed class PostgresCatalog(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public static async Task<PostgresCatalog> CreateAsync(string connectionString, int products)
    {
        var catalog = new PostgresCatalog(connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("""
            CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL);
            CREATE TABLE loads (id integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
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
            """);
        await connection.ExecuteAsync(
            "INSERT INTO products SELECT g, 'Product ' || g, g * 1.25 FROM generate_series(1, @products) g",
            new { products });
        return catalog;
    }

    public async Task SetFailingAsync(bool failing)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.ExecuteAsync("UPDATE source_state SET failing = @failing", new { failing });
    }

    public async Task SetPriceAsync(int id, decimal price)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.ExecuteAsync("UPDATE products SET price = @price WHERE id = @id", new { id, price });
    }

    /// <summary>Load attempts, successful or not.</summary>
    public async Task<long> AttemptsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM load_attempts");
    }

    /// <summary>Successful loads per product id, each with the database's time.</summary>
    public async Task<Dictionary<int, List<DateTime>>> LoadsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        var rows = await connection.QueryAsync<(int Id, DateTime At)>("SELECT id, at FROM loads ORDER BY at");
        return rows.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Select(r => r.At).ToList());
    }

    /// <summary>Queries running right now for the given application name (set in the connection string).</summary>
    public async Task<int> ActiveQueriesAsync(string applicationName)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = @applicationName AND state = 'active'",
            new { applicationName });
    }
}
