using CacheWarmer.Contracts.Values;
using Microsoft.Data.Sqlite;

namespace CacheWarmer.Contracts.Tests.Values;

/// <summary>A real in-memory SQLite catalog, queried the way a loader queries its source: key values as parameters.</summary>
internal sealed class Catalog : IDisposable
{
    public const string InjectionId = "1'); DROP TABLE products; --";

    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public Catalog()
    {
        _connection.Open();
        Execute(
            """
            CREATE TABLE products (id TEXT PRIMARY KEY, Name TEXT, price REAL, stock INTEGER, image BLOB);
            INSERT INTO products VALUES ('1', 'Widget', 9.5, 3, NULL);
            INSERT INTO products VALUES ('2', 'Gadget "Pro"', 0.1, -7, x'00FF');
            INSERT INTO products VALUES ('1''); DROP TABLE products; --', 'It''s <b>bold</b>', NULL, NULL, NULL);
            """);
    }

    /// <summary>Runs <paramref name="sql"/> and writes its result the way the worker does.</summary>
    public byte[]? Write(CacheValueShape shape, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        return CacheValueWriter.Write(reader, shape);
    }

    public void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
