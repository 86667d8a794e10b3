using System.Globalization;
using System.Text;
using CacheWarmer.Contracts.Values;
using Npgsql;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// The database behind the cache: <c>load_product(id, sleep)</c>, the same function the worker's loader calls, so
/// the database counts every strategy's loads in its <c>loads</c> table. Rows are serialized by the worker's own
/// <see cref="CacheValueWriter"/>, so a reader and the worker write the same bytes.
/// </summary>
internal sealed class ProductBackend(string connectionString, TimeSpan delay) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);
    private readonly string _sleep = delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// The loader query the worker runs too (the sleep is a literal, as in the worker's configuration); with
    /// <paramref name="typedColumns"/> the columns are named as <see cref="LabProduct"/>'s properties.
    /// </summary>
    public static string LoaderQuery(TimeSpan delay, bool typedColumns = false) =>
        $"SELECT {(typedColumns ? "id AS \"Id\", name AS \"Name\", price AS \"Price\"" : "id, name, price")} FROM load_product(@id, {delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)})";

    /// <summary>One backend query (counted by the database); null when there is no such product.</summary>
    public async Task<string?> LoadAsync(int id, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand($"SELECT id, name, price FROM load_product(@id, {_sleep})");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var bytes = CacheValueWriter.Write(reader, CacheValueShape.Row);
        return bytes is null ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The right value of every product up to <paramref name="count"/>, read from the table (not counted as loads).</summary>
    public async Task<string[]> ExpectedAsync(int count, CancellationToken cancellationToken)
    {
        var values = new string[count + 1];
        await using var command = _source.CreateCommand("SELECT id, name, price FROM products WHERE id <= @count ORDER BY id");
        command.Parameters.AddWithValue("count", count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        for (var id = 1; id <= count; id++)
        {
            // The writer reads the next row itself; ids are dense (generate_series), so row n is product n.
            var bytes = CacheValueWriter.Write(reader, CacheValueShape.Row);
            values[id] = bytes is null ? string.Empty : Encoding.UTF8.GetString(bytes);
        }

        return values;
    }

    /// <summary>Opens a few pooled connections ahead of the run, so connection set-up is not measured as a load.</summary>
    public async Task WarmAsync(int connections, CancellationToken cancellationToken)
    {
        var opened = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < connections; i++)
            {
                opened.Add(await _source.OpenConnectionAsync(cancellationToken));
            }
        }
        finally
        {
            foreach (var connection in opened)
            {
                await connection.DisposeAsync();
            }
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
