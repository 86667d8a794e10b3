using CacheWarmer.Contracts.Values;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CacheWarmer.DemoApp.Catalog;

/// <summary>
/// The app's own load path: the loader's query, serialized by the shared <see cref="CacheValueWriter"/>, so the app
/// and the worker produce byte-identical values for the same row.
/// </summary>
internal sealed class ProductLoader
{
    /// <summary>The same query as the worker's <c>product</c> loader in appsettings.json.</summary>
    public const string Query = "SELECT id, name, price FROM products WHERE id = @id";

    private readonly string _connectionString;

    public ProductLoader(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the catalog '{path}' does not exist; create it with: seed --db {path}", path);
        }

        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString();
    }

    /// <summary>The cache value for product <paramref name="id"/>; null when there is no such row.</summary>
    public async Task<byte[]?> LoadAsync(int id)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var reader = await connection.ExecuteReaderAsync(Query, new { id });
        return CacheValueWriter.Write(reader, CacheValueShape.Row);
    }

    /// <summary>How many of the ids 1..<paramref name="maxId"/> have a row.</summary>
    public async Task<long> CountIdsUpToAsync(int maxId)
    {
        await using var connection = new SqliteConnection(_connectionString);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM products WHERE id BETWEEN 1 AND @maxId", new { maxId });
    }
}
