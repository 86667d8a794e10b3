namespace CacheWarmer.Worker.Configuration;

/// <summary>The <c>CacheWarmer:Loaders</c> section: the rules mapping a key pattern to a query, by name.</summary>
public sealed class LoadersOptions : Dictionary<string, LoaderOptions>
{
    /// <summary>No loader yet; names are case-sensitive.</summary>
    public LoadersOptions()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A <c>CacheWarmer:Loaders:{name}</c> entry.</summary>
public sealed class LoaderOptions
{
    /// <summary>
    /// FusionCache's prefix of its keys inside the distributed cache (its wire-format version): with
    /// <c>Format: FusionCache</c>, <see cref="Key"/> begins with <see cref="InstanceName"/> and this.
    /// </summary>
    public const string FusionCacheKeyPrefix = "v2:";

    /// <summary>The key pattern, such as <c>product:{id}</c>.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>The name of the source the query runs on.</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>The query; each pattern parameter appears in it as <c>@name</c>.</summary>
    public string Query { get; set; } = string.Empty;

    /// <summary>
    /// Optional: the query that loads many keys of this loader in one round trip, with the pattern's one parameter in
    /// plural form as a list (<c>{id}</c>: <c>@ids</c>): on PostgreSQL <c>WHERE id = ANY(@ids)</c>, on SQLite and MySQL
    /// <c>WHERE id IN @ids</c> (Dapper expands the list into parameters). It returns the same columns as
    /// <see cref="Query"/>, the key's column among them, so each row is matched to its key. Default empty: one query per key.
    /// </summary>
    public string BatchQuery { get; set; } = string.Empty;

    /// <summary>The plural form of a pattern parameter: the name its list takes in <see cref="BatchQuery"/> (<c>id</c>: <c>ids</c>).</summary>
    public static string BatchParameterOf(string parameter) => parameter + "s";

    /// <summary><c>Row</c> (default), <c>Rows</c> or <c>Scalar</c>.</summary>
    public string Result { get; set; } = "Row";

    /// <summary>
    /// How the value is kept in Redis: <c>String</c> (default, the value's bytes), <c>DistributedCache</c> (the hash
    /// entry that <c>RedisCache</c>, behind <c>IDistributedCache</c>, reads), <c>FusionCache</c> or <c>HybridCache</c>
    /// (those libraries' entries inside that hash).
    /// </summary>
    public string Format { get; set; } = "String";

    /// <summary>
    /// For <c>Format: HybridCache</c> and <c>FusionCache</c>: the distributed cache's <c>InstanceName</c>, the start of
    /// <c>Key</c> that is not part of the library's own key (HybridCache records its key in each entry; FusionCache's
    /// backplane names it). Default empty.
    /// </summary>
    public string InstanceName { get; set; } = string.Empty;

    /// <summary>
    /// For <c>Format: FusionCache</c>: the apps' FusionCache <c>CacheName</c>, when they run its Redis backplane. After
    /// each write the worker publishes the backplane's "set" message, so every node drops its memory copy at once.
    /// Default empty: no message.
    /// </summary>
    public string CacheName { get; set; } = string.Empty;

    /// <summary>The TTL the worker writes. Default 5 minutes.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Up to this much is added at random to each written TTL. Default 30 seconds.</summary>
    public TimeSpan TtlJitter { get; set; } = TimeSpan.FromSeconds(30);
}
