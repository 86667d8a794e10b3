using System.Data;
using CacheWarmer.Contracts.Values;
using CacheWarmer.Worker.Loaders;
using Dapper;
using Npgsql;

namespace CacheWarmer.Worker.Sources;

/// <summary>
/// Runs a loader's <see cref="Loader.BatchQuery"/> for many keys in one round trip and matches each row to its key by
/// the column named like the pattern's parameter (any case): the row's value as text (as a <c>Scalar</c> writes it)
/// is compared, ordinal, to the key's parameter text. A key no row matched has no value, as a single load finding no row.
/// </summary>
internal sealed class SourceBatchQuery(SourceConnections connections)
{
    /// <summary>Each key's value in the order of <paramref name="matches"/>; null where nothing is to be written.</summary>
    public async Task<byte[]?[]> LoadAsync(Loader loader, IReadOnlyList<LoaderMatch> matches, CancellationToken cancellationToken)
    {
        var ids = new string[matches.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = matches[i].Values[0];
        }

        await using var connection = await connections.OpenAsync(loader.Source, cancellationToken).ConfigureAwait(false);
        var parameters = new DynamicParameters();
        // PostgreSQL takes the list as one array, untyped as a single key is (KeyParameter); elsewhere Dapper expands
        // "IN @ids" into one parameter per key. Either way key text is only ever a parameter.
        parameters.Add(loader.BatchParameter, connection is NpgsqlConnection ? new KeyArrayParameter(ids) : ids);
        var command = new CommandDefinition(loader.BatchQuery, parameters, cancellationToken: cancellationToken);
        using var reader = await connection.ExecuteReaderAsync(command).ConfigureAwait(false);
        return Match(reader, loader, ids);
    }

    private static byte[]?[] Match(IDataReader reader, Loader loader, string[] ids)
    {
        var column = KeyColumn(reader, loader);
        var rows = new Dictionary<string, List<byte[]>>(ids.Length, StringComparer.Ordinal);
        while (reader.Read())
        {
            var id = CacheValueWriter.Scalar(reader.GetValue(column)) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;
            if (id is null)
            {
                continue;
            }

            if (!rows.TryGetValue(id, out var list))
            {
                rows[id] = list = [];
            }
            else if (loader.Shape == CacheValueShape.Row)
            {
                // A Row is the first row, as a single load's is.
                continue;
            }

            list.Add(CacheValueWriter.Row(reader));
        }

        var values = new byte[]?[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var found = rows.GetValueOrDefault(ids[i]);
            values[i] = loader.Shape == CacheValueShape.Rows ? JoinRows(found) : found?[0];
        }

        return values;
    }

    private static int KeyColumn(IDataRecord reader, Loader loader)
    {
        var name = loader.Pattern.Parameters[0];
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (string.Equals(reader.GetName(i), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new InvalidOperationException(
            $"the BatchQuery of loader '{loader.Name}' returns no column named '{name}', so its rows cannot be matched to keys: select the {name} column, as Query does");
    }

    // The bytes a Rows result writes: the rows' objects in a JSON array ([] when there are none).
    private static byte[] JoinRows(List<byte[]>? rows)
    {
        if (rows is null || rows.Count == 0)
        {
            return "[]"u8.ToArray();
        }

        var length = 1 + rows.Sum(r => r.Length + 1);
        var joined = new byte[length];
        joined[0] = (byte)'[';
        var at = 1;
        foreach (var row in rows)
        {
            row.CopyTo(joined, at);
            at += row.Length;
            joined[at++] = (byte)',';
        }

        joined[^1] = (byte)']';
        return joined;
    }
}
