using System.Text.Json;

namespace CacheWarmer.ThroughputBench;

internal static class ValueCheck
{
    /// <summary>True when <paramref name="value"/> is the JSON row of product <paramref name="id"/> (id, name, price).</summary>
    public static bool IsRow(string? value, int id)
    {
        if (value is null || value.Length == 0 || value[0] != '{')
        {
            return false;
        }

        try
        {
            using var row = JsonDocument.Parse(value);
            var root = row.RootElement;
            return root.TryGetProperty("id", out var rowId) && rowId.TryGetInt64(out var n) && n == id
                && root.TryGetProperty("name", out var name) && name.GetString() == "Product " + id
                && root.TryGetProperty("price", out var price) && price.ValueKind == JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
