namespace CacheWarmer.Worker.Configuration;

/// <summary>The database providers a source can use (a source's <c>Provider</c>, read by <see cref="EnumSetting"/>).</summary>
internal enum SourceProvider
{
    Sqlite,
    Postgres,

    /// <summary>MySQL or MariaDB, through MySqlConnector.</summary>
    MySql,
}
