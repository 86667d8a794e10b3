using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// When to refresh a key: the scheduled form of XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015). A key expiring
/// at T with load time delta fires at <c>T - Buffer - delta * beta * (-ln U)</c>, U uniform in (0, 1], never before
/// now. The random lead spreads refreshes of keys written together, and across replicas it makes one replica fire
/// first so the others find the key already fresh.
/// </summary>
internal sealed class RefreshPlanner(IOptions<CacheWarmerOptions> options, TimeProvider time)
{
    private readonly RefreshOptions _refresh = options.Value.Refresh;

    public DateTimeOffset FireAt(DateTimeOffset expiresAt, TimeSpan loadTime) =>
        FireAt(expiresAt, loadTime, time.GetUtcNow(), _refresh.Buffer, _refresh.Beta, 1.0 - Random.Shared.NextDouble());

    /// <summary>The XFetch fire time for a given draw <paramref name="u"/> in (0, 1].</summary>
    public static DateTimeOffset FireAt(DateTimeOffset expiresAt, TimeSpan loadTime, DateTimeOffset now, TimeSpan buffer, double beta, double u)
    {
        var lead = buffer + (loadTime * (beta * -Math.Log(u)));
        var fireAt = expiresAt - lead;
        return fireAt < now ? now : fireAt;
    }
}
