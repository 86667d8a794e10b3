namespace CacheWarmer.Contracts.Http;

/// <summary>
/// The body of <c>POST /warm</c>: exactly one of <see cref="Keys"/>, <see cref="Loader"/> with <see cref="Ids"/>, or
/// <see cref="Pattern"/>.
/// </summary>
public sealed class WarmRequest
{
    /// <summary>Keys to warm, such as <c>product:1</c>; each must match a loader's pattern.</summary>
    public IReadOnlyList<string>? Keys { get; set; }

    /// <summary>The loader whose pattern <see cref="Ids"/> fill, such as <c>product</c>.</summary>
    public string? Loader { get; set; }

    /// <summary>
    /// The values of the loader's pattern parameters: a string each (<c>"1"</c>) for a pattern with one parameter, an
    /// object each (<c>{"region": "eu", "id": "1"}</c>) for a pattern with several.
    /// </summary>
    public IReadOnlyList<object>? Ids { get; set; }

    /// <summary>A Redis glob, such as <c>product:*</c>: the existing keys it matches (found by SCAN) that a loader owns.</summary>
    public string? Pattern { get; set; }
}
