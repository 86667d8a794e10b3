using Dapper;
using Npgsql;

namespace CacheWarmer.RefreshBench;

/// <summary>
/// The product catalog in PostgreSQL, counting loads in the database itself: <c>load_product(id, sleep)</c> bumps a
/// sequence on every attempt, sleeps to model query time, and records each load with the server's clock and the
/// loading replica (the application name of its connection string).
/// </summary>
internal sealed class BenchCatalog(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public static async Task<BenchCatalog> CreateAsync(string connectionString, int products, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL);
            CREATE UNLOGGED TABLE loads (id integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(),
                                      replica text NOT NULL DEFAULT current_setting('application_name'));
            CREATE SEQUENCE load_attempts;
            CREATE FUNCTION load_product(p_id integer, p_sleep float8 DEFAULT 0)
              RETURNS TABLE (id integer, name text, price numeric) LANGUAGE plpgsql VOLATILE AS $$
            #variable_conflict use_column
            BEGIN
              PERFORM nextval('load_attempts');
              IF p_sleep > 0 THEN
                PERFORM pg_sleep(p_sleep);
              END IF;
              INSERT INTO loads (id) VALUES (p_id);
              RETURN QUERY SELECT p.id, p.name, p.price FROM products p WHERE p.id = p_id;
            END $$;
            INSERT INTO products SELECT g, 'Product ' || g, g * 1.25 FROM generate_series(1, @products) g;
            """,
            new { products },
            cancellationToken: cancellationToken));
        return new BenchCatalog(connectionString);
    }

    /// <summary>Load attempts, successful or not.</summary>
    public async Task<long> AttemptsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM load_attempts");
    }

    public async Task<long> LoadCountAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM loads");
    }

    /// <summary>Successful loads per product id, each with the database's time and the replica, in order.</summary>
    public async Task<Dictionary<int, List<Load>>> LoadsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        var rows = await connection.QueryAsync<(int Id, DateTime At, string Replica)>("SELECT id, at, replica FROM loads ORDER BY at");
        return rows.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Select(r => new Load(r.At, r.Replica)).ToList());
    }

    public async Task<string> ServerVersionAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<string>("SHOW server_version") ?? "?";
    }
}

/// <summary>One successful load: when (UTC, the database's clock) and by which replica.</summary>
internal readonly record struct Load(DateTime At, string Replica);
