using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Sources;

/// <summary>The breaker of each configured source.</summary>
internal sealed class SourceCircuitBreakers(IOptions<CacheWarmerOptions> options, TimeProvider time)
{
    private readonly Dictionary<string, SourceCircuitBreaker> _breakers = options.Value.Sources.Keys.ToDictionary(
        name => name,
        _ => new SourceCircuitBreaker(options.Value.Refresh.CircuitBreaker, time),
        StringComparer.Ordinal);

    public SourceCircuitBreaker For(string source) => _breakers[source];
}
