namespace CacheWarmer.Worker.Configuration;

/// <summary>The <c>CacheWarmer:Sources</c> section: the database connections, by name.</summary>
public sealed class SourcesOptions : Dictionary<string, SourceOptions>
{
    /// <summary>No source yet; names are case-sensitive.</summary>
    public SourcesOptions()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A <c>CacheWarmer:Sources:{name}</c> entry.</summary>
public sealed class SourceOptions
{
    /// <summary><c>Sqlite</c>, <c>Postgres</c> or <c>MySql</c> (MySQL or MariaDB).</summary>
    public string Provider { get; set; } = string.Empty;

    /// <summary>The provider's connection string. Never logged.</summary>
    public string ConnectionString { get; set; } = string.Empty;
}
