using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Sources;

/// <summary>The breaker of each configured source.</summary>
internal sealed class SourceCircuitBreakers(IOptions<SourcesOptions> sources, IOptions<CircuitBreakerOptions> circuitBreaker, TimeProvider time)
{
    private readonly Dictionary<string, SourceCircuitBreaker> _breakers = sources.Value.Keys.ToDictionary(
        name => name,
        _ => new SourceCircuitBreaker(circuitBreaker.Value, time),
        StringComparer.Ordinal);

    public SourceCircuitBreaker For(string source) => _breakers[source];

    /// <summary>The sources whose breaker is open now (loads fail fast): what <c>/readyz</c> reports.</summary>
    public IReadOnlyList<string> OpenSources() => [.. _breakers.Where(b => b.Value.IsOpen).Select(b => b.Key).Order(StringComparer.Ordinal)];
}
