namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// A worker configuration for one test: its own key prefix (so tests sharing a Redis never meet), one "product"
/// loader, and short timings so a few refresh cycles fit in seconds. Values can be overridden per test.
/// </summary>
internal sealed class WorkerConfig
{
    public WorkerConfig(string redis, string prefix)
    {
        Prefix = prefix;
        Settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["CacheWarmer:Redis:Configuration"] = redis,
            ["CacheWarmer:Redis:KeyPrefix"] = prefix + "cw:",
            ["CacheWarmer:Loaders:product:Key"] = prefix + "product:{id}",
            ["CacheWarmer:Loaders:product:Source"] = "catalog",
            ["CacheWarmer:Loaders:product:Result"] = "Row",
            ["CacheWarmer:Loaders:product:Ttl"] = "00:00:06",
            ["CacheWarmer:Loaders:product:TtlJitter"] = "00:00:00.500",
            ["CacheWarmer:Refresh:Buffer"] = "00:00:01.500",
            ["CacheWarmer:Refresh:LeaseTtl"] = "00:00:03",
            ["CacheWarmer:Refresh:LoadTimeout"] = "00:00:02",
            ["CacheWarmer:Refresh:FailSafe:RetryDelay"] = "00:00:00.200",

            // The refresh-engine tests keep every loader key warm; the hot-key tests set a threshold.
            ["CacheWarmer:HotKeys:MinRatePerMinute"] = "0",

            // Port 0: the system picks a free port, so hosts and processes running at once never collide.
            ["CacheWarmer:Http:Urls"] = "http://127.0.0.1:0",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
    }

    public string Prefix { get; }

    public Dictionary<string, string?> Settings { get; }

    public string Key(object id) => Prefix + "product:" + id;

    public WorkerConfig WithPostgres(string connectionString, string query = "SELECT id, name, price FROM load_product(@id)")
    {
        Settings["CacheWarmer:Sources:catalog:Provider"] = "Postgres";
        Settings["CacheWarmer:Sources:catalog:ConnectionString"] = connectionString;
        Settings["CacheWarmer:Loaders:product:Query"] = query;
        return this;
    }

    public WorkerConfig WithMySql(string connectionString, string query = "SELECT id, name, price FROM products WHERE id = @id")
    {
        Settings["CacheWarmer:Sources:catalog:Provider"] = "MySql";
        Settings["CacheWarmer:Sources:catalog:ConnectionString"] = connectionString;
        Settings["CacheWarmer:Loaders:product:Query"] = query;
        return this;
    }

    public WorkerConfig WithSqlite(string path)
    {
        Settings["CacheWarmer:Sources:catalog:Provider"] = "Sqlite";
        Settings["CacheWarmer:Sources:catalog:ConnectionString"] = $"Data Source={path}";
        Settings["CacheWarmer:Loaders:product:Query"] = "SELECT id, name, price FROM products WHERE id = @id";
        return this;
    }

    public WorkerConfig With(string key, string value)
    {
        Settings[key] = value;
        return this;
    }

    /// <summary>The settings as environment variables, for a worker run as its own process.</summary>
    public IEnumerable<KeyValuePair<string, string>> AsEnvironment() =>
        Settings.Where(s => s.Value is not null).Select(s => KeyValuePair.Create(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value!));
}
