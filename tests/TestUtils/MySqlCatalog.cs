using Dapper;
using MySqlConnector;

namespace CacheWarmer.TestUtils;

/// <summary>The demo catalog's shape in a MySQL / MariaDB database: <c>products(id, name, price)</c> with N rows.</summary>
public sealed class MySqlCatalog(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public static async Task<MySqlCatalog> CreateAsync(string connectionString, int products, CancellationToken cancellationToken = default)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE products (id int PRIMARY KEY, name varchar(100) NOT NULL, price decimal(10,2) NOT NULL)",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        for (var id = 1; id <= products; id++)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO products VALUES (@id, @name, @price)", new { id, name = $"Product {id}", price = id * 1.25m },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        return new MySqlCatalog(connectionString);
    }

    public async Task SetPriceAsync(int id, decimal price)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.ExecuteAsync("UPDATE products SET price = @price WHERE id = @id", new { id, price }).ConfigureAwait(false);
    }

    public async Task<long> CountAsync()
    {
        await using var connection = new MySqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM products").ConfigureAwait(false);
    }
}
