using System.Globalization;
using CacheWarmer.DemoApp.CommandLine;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CacheWarmer.DemoApp.Catalog;

/// <summary>Creates the demo catalog: the same rows on every run, so values cached yesterday still match today.</summary>
internal static class CatalogSeeder
{
    private const string Schema = """
        DROP TABLE IF EXISTS products;
        CREATE TABLE products (
            id       INTEGER PRIMARY KEY,
            name     TEXT    NOT NULL,
            price    REAL    NOT NULL,
            featured INTEGER NOT NULL DEFAULT 0
        );
        """;

    private const string Insert = "INSERT INTO products (id, name, price, featured) VALUES (@Id, @Name, @Price, @Featured)";

    public static async Task<int> RunAsync(CommandArguments args)
    {
        var path = args.Text("db");
        var count = args.Integer("products", fallback: 1000, min: 1, max: 10_000_000);
        args.RejectUnknown();

        await SeedAsync(path, count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[seed] {path}: {count:N0} products, {count / 20:N0} featured"));
        return 0;
    }

    public static async Task SeedAsync(string path, int count)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate };
        await using var connection = new SqliteConnection(connectionString.ToString());
        await connection.OpenAsync();

        // Drop and refill in one transaction rather than deleting the file: a reader that has the file open sees
        // either the old catalog or the new one, never a missing database.
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(Schema, transaction: transaction);
        await connection.ExecuteAsync(Insert, Enumerable.Range(1, count).Select(Product), transaction);
        await transaction.CommitAsync();
    }

    // Prices in whole cents from a fixed formula, so they print with at most two decimals and never change.
    private static object Product(int id) => new
    {
        Id = id,
        Name = "Product " + id.ToString(CultureInfo.InvariantCulture),
        Price = (499 + (id * 7919L % 20_000)) / 100.0,
        Featured = id % 20 == 0 ? 1 : 0,
    };
}
