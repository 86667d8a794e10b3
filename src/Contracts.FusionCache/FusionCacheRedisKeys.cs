using ZiggyCreatures.Caching.Fusion;

namespace CacheWarmer.Contracts.Sampling;

/// <summary>
/// The Redis key under which FusionCache's distributed level (RedisCache) keeps an entry: the distributed cache's
/// <c>InstanceName</c>, then the key FusionCache's events carry (its <c>CacheKeyPrefix</c> already applied) with the
/// wire-format version added as <see cref="FusionCacheOptions.DistributedCacheKeyModifierMode"/> says (<c>v2:</c>
/// in front, by default).
/// </summary>
public sealed class FusionCacheRedisKeys
{
    private readonly string _instanceName;
    private readonly string _versionPrefix;
    private readonly string _versionSuffix;
    private readonly string _internalPrefix;

    /// <param name="instanceName">The distributed cache's <c>InstanceName</c> (empty when it has none).</param>
    /// <param name="options">The options the app's FusionCache was built with; null for FusionCache's defaults.</param>
    public FusionCacheRedisKeys(string instanceName = "", FusionCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(instanceName);
        options ??= new FusionCacheOptions();
        var version = FusionCacheOptions.DistributedCacheWireFormatVersion + options.InternalStrings.DistributedCacheWireFormatSeparator;
        _instanceName = instanceName;
        (_versionPrefix, _versionSuffix) = options.DistributedCacheKeyModifierMode switch
        {
            CacheKeyModifierMode.Prefix => (version, ""),
            CacheKeyModifierMode.Suffix => ("", options.InternalStrings.DistributedCacheWireFormatSeparator + FusionCacheOptions.DistributedCacheWireFormatVersion),
            _ => ("", ""),
        };

        // FusionCache reads entries of its own on every call (the markers of Clear, under the tag prefix).
        _internalPrefix = (options.CacheKeyPrefix ?? "") + options.InternalStrings.TagCacheKeyPrefix;
    }

    /// <summary>The Redis key of the entry FusionCache names <paramref name="cacheKey"/> (as its events do).</summary>
    public string Of(string cacheKey) => _instanceName + _versionPrefix + cacheKey + _versionSuffix;

    /// <summary>Whether <paramref name="cacheKey"/> is one of FusionCache's own entries, not the app's.</summary>
    public bool IsInternal(string cacheKey) => cacheKey.StartsWith(_internalPrefix, StringComparison.Ordinal);
}
