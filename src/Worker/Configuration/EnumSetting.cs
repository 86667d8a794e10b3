using System.Diagnostics.CodeAnalysis;

namespace CacheWarmer.Worker.Configuration;

/// <summary>
/// The one reader of a setting that names one member of an enum, such as a loader's <c>Result</c> and <c>Format</c> or
/// a source's <c>Provider</c>: the validator checks it with <see cref="Check{TEnum}"/>, and the rooms that use the
/// setting once it is valid read it with <see cref="Parse{TEnum}"/>, so both accept exactly the same text.
/// </summary>
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

    /// <summary>
    /// Validates a setting: the member <paramref name="text"/> names, or null with <paramref name="failure"/> (the
    /// message naming the setting and its fix) added to <paramref name="failures"/>.
    /// </summary>
    public static TEnum? Check<TEnum>(string? text, List<string> failures, string failure)
        where TEnum : struct, Enum
    {
        if (TryParse(text, out TEnum value))
        {
            return value;
        }

        failures.Add(failure);
        return null;
    }

    /// <summary>Reads a setting that was validated at start; one that names no member is a bug, not a bad setting.</summary>
    public static TEnum Parse<TEnum>(string? text)
        where TEnum : struct, Enum =>
        TryParse(text, out TEnum value)
            ? value
            : throw new InvalidOperationException($"\"{text}\" is not a {typeof(TEnum).Name}; the options validator should have refused it at start.");

    /// <summary>The members' names, comma-separated, in declaration order: the choices an error message lists.</summary>
    public static string Names<TEnum>()
        where TEnum : struct, Enum => string.Join(", ", Enum.GetNames<TEnum>());
}
