using CacheWarmer.Contracts.Keys;
using CacheWarmer.Contracts.Values;
using CacheWarmer.Worker.Configuration;

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
    string CacheName = "",
    string BatchQuery = "")
{
    /// <summary>Whether many keys of this loader load in one query (<see cref="BatchQuery"/>).</summary>
    public bool Batches => BatchQuery.Length > 0;

    /// <summary>The list parameter of <see cref="BatchQuery"/>: the pattern's one parameter in plural form (<c>id</c>: <c>ids</c>).</summary>
    public string BatchParameter => LoaderOptions.BatchParameterOf(Pattern.Parameters[0]);
}

/// <summary>A key matched to its loader, with the pattern's parameter values in order.</summary>
internal sealed record LoaderMatch(Loader Loader, string Key, string[] Values);
