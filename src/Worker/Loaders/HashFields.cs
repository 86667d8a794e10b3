using System.Text.Json;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Loaders;

/// <summary>
/// The fields of a <c>Hash</c>-format value, from the row's JSON the loader made: each column's name and its JSON text
/// as written (numbers exactly as the database gave them, <c>true</c>/<c>false</c>, nested values as JSON), strings
/// without their quotes; NULL columns are listed apart, to be removed from the hash.
/// </summary>
internal static class HashFields
{
    /// <summary>The row's JSON with its fields: name and value pairs, flat, and the names of the NULL columns.</summary>
    public static StoredValue From(byte[] rowJson)
    {
        using var row = JsonDocument.Parse(rowJson);
        var fields = new List<RedisValue>();
        var nulls = new List<RedisValue>();
        foreach (var column in row.RootElement.EnumerateObject())
        {
            switch (column.Value.ValueKind)
            {
                case JsonValueKind.Null:
                    nulls.Add(column.Name);
                    break;
                case JsonValueKind.String:
                    fields.Add(column.Name);
                    fields.Add(column.Value.GetString());
                    break;
                default:
                    fields.Add(column.Name);
                    fields.Add(column.Value.GetRawText());
                    break;
            }
        }

        return new StoredValue(rowJson, [.. fields], [.. nulls]);
    }
}
