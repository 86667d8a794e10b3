using System.Diagnostics.CodeAnalysis;

namespace CacheWarmer.Worker.Configuration;

/// <summary>The database providers a source can use.</summary>
internal enum SourceProvider
{
    Sqlite,
    Postgres,

    /// <summary>MySQL or MariaDB, through MySqlConnector.</summary>
    MySql,
}

internal static class SourceProviders
{
    public static IReadOnlyList<string> Names { get; } = Enum.GetNames<SourceProvider>();

    public static bool TryParse([NotNullWhen(true)] string? text, out SourceProvider provider)
    {
        return EnumSetting.TryParse(text, out provider);
    }
}
