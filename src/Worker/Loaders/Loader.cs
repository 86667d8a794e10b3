using CacheWarmer.Contracts.Keys;
using CacheWarmer.Contracts.Values;

namespace CacheWarmer.Worker.Loaders;

/// <summary>A validated loader: which keys it owns, where and how it loads them, and the TTL it writes.</summary>
internal sealed record Loader(
    string Name,
    KeyPattern Pattern,
    string Source,
    string Query,
    CacheValueShape Shape,
    TimeSpan Ttl,
    TimeSpan TtlJitter,
    ValueFormat Format = ValueFormat.String,
    string InstanceName = "",
    string CacheName = "");

/// <summary>A key matched to its loader, with the pattern's parameter values in order.</summary>
internal sealed record LoaderMatch(Loader Loader, string Key, string[] Values);
