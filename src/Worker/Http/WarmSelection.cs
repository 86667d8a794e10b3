using CacheWarmer.Worker.Loaders;

namespace CacheWarmer.Worker.Http;

/// <summary>What a valid <c>POST /warm</c> body asks for: known keys, or a glob still to be scanned.</summary>
/// <param name="Mode"><c>keys</c>, <c>ids</c> or <c>pattern</c>.</param>
/// <param name="Keys">The distinct keys (modes keys and ids), each matched to its loader, in the order given.</param>
/// <param name="Pattern">The checked glob (mode pattern).</param>
internal sealed record WarmSelection(string Mode, IReadOnlyList<LoaderMatch>? Keys, string? Pattern);

/// <summary>The problems of a refused request, by field (<c>keys[3]</c>, <c>ids[0].region</c>, <c>pattern</c>).</summary>
internal sealed class WarmRequestErrors
{
    // Enough to show a pattern of mistakes without echoing a 10,000-key body back.
    private const int Max = 10;

    private readonly Dictionary<string, string[]> _byField = new(StringComparer.Ordinal);

    public bool Any => _byField.Count > 0;

    public bool Full => _byField.Count >= Max;

    public IDictionary<string, string[]> ByField => _byField;

    public void Add(string field, string message)
    {
        if (!Full)
        {
            _byField.TryAdd(field, [message]);
        }
    }

    /// <summary>The first problem, as one sentence.</summary>
    public string Summary()
    {
        var (field, messages) = _byField.First();
        return _byField.Count == 1 ? $"{field}: {messages[0]}" : $"{field}: {messages[0]} (and {_byField.Count - 1} more)";
    }
}
