using System.Diagnostics.CodeAnalysis;

namespace CacheWarmer.Worker.Configuration;

/// <summary>Reads a setting that names one member of an enum, such as <c>Result</c> or <c>Provider</c>.</summary>
internal static class EnumSetting
{
    /// <summary>
    /// True when <paramref name="text"/> names exactly one member (any case). Unlike <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/>
    /// it refuses numbers and comma-separated lists ("Rows,Scalar"), which would otherwise bind to combined values.
    /// </summary>
    public static bool TryParse<TEnum>([NotNullWhen(true)] string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        return !string.IsNullOrWhiteSpace(text) && !text.Contains(',', StringComparison.Ordinal) && !int.TryParse(text, out _) &&
               Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value);
    }
}
