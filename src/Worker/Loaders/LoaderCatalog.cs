using CacheWarmer.Contracts.Keys;
using CacheWarmer.Contracts.Values;
using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Loaders;

/// <summary>
/// The configured loaders, and which one owns a key. When two patterns match one key (<c>product:{id}</c> and
/// <c>product:{id}:reviews</c> both match <c>product:1:reviews</c>), the one with more literal text wins: it is the
/// more specific rule.
/// </summary>
internal sealed class LoaderCatalog
{
    private readonly Loader[] _bySpecificity;

    public LoaderCatalog(IOptions<LoadersOptions> loaders)
    {
        Loaders = loaders.Value
            .Select(pair => new Loader(
                pair.Key,
                KeyPattern.Parse(pair.Value.Key),
                pair.Value.Source,
                pair.Value.Query,
                EnumSetting.Parse<CacheValueShape>(pair.Value.Result),
                pair.Value.Ttl,
                pair.Value.TtlJitter,
                EnumSetting.Parse<ValueFormat>(pair.Value.Format),
                pair.Value.InstanceName,
                pair.Value.CacheName,
                string.IsNullOrWhiteSpace(pair.Value.BatchQuery) ? "" : pair.Value.BatchQuery))
            .ToDictionary(l => l.Name, StringComparer.Ordinal);
        _bySpecificity = Loaders.Values
            .OrderByDescending(l => l.Pattern.Text.Length - l.Pattern.Parameters.Sum(p => p.Length + 2))
            .ThenBy(l => l.Name, StringComparer.Ordinal)
            .ToArray();
    }

    public IReadOnlyDictionary<string, Loader> Loaders { get; }

    public IEnumerable<KeyPattern> Patterns => _bySpecificity.Select(l => l.Pattern);

    /// <summary>The loader that owns <paramref name="key"/>, or null: a key no loader owns is never written.</summary>
    public LoaderMatch? Match(string key)
    {
        foreach (var loader in _bySpecificity)
        {
            if (loader.Pattern.TryMatch(key, out var values))
            {
                return new LoaderMatch(loader, key, values);
            }
        }

        return null;
    }

    /// <summary>
    /// The key <paramref name="loader"/> makes of <paramref name="values"/> (one per pattern parameter), matched back to
    /// the loader; null, with the <paramref name="reason"/>, when the values do not fit the pattern (empty, or holding
    /// the separator that ends them) or the key they make is another loader's or reads back other values.
    /// <paramref name="key"/> is the key made, when one could be.
    /// </summary>
    public LoaderMatch? KeyFor(Loader loader, string[] values, out string? key, out string? reason)
    {
        try
        {
            key = loader.Pattern.Format(values);
        }
        catch (ArgumentException ex)
        {
            key = null;
            reason = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            return null;
        }

        var match = Match(key);
        if (match is null || match.Loader != loader || !match.Values.SequenceEqual(values, StringComparer.Ordinal))
        {
            reason = $"it makes the key \"{key}\", which {(match is null ? "no loader" : $"loader \"{match.Loader.Name}\"")} owns";
            return null;
        }

        reason = null;
        return match;
    }
}
