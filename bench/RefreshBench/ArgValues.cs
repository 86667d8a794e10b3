using System.Globalization;

namespace CacheWarmer.RefreshBench;

/// <summary>Option values every bench parses alike; null when the text is not one.</summary>
internal static class ArgValues
{
    /// <summary>A whole number above zero, digits only.</summary>
    public static int? PositiveInt(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;

    /// <summary>A comma-separated list of whole numbers from 1 to <paramref name="max"/>; null when any is not.</summary>
    public static int[]? PositiveInts(string value, int max = int.MaxValue)
    {
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var list = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (PositiveInt(parts[i]) is not { } n || n > max)
            {
                return null;
            }

            list[i] = n;
        }

        return list.Length == 0 ? null : list;
    }
}
