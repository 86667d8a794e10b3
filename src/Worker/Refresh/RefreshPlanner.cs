using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// When to refresh a key: the scheduled form of XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015). A key expiring
/// at T with load time delta fires at <c>T - Buffer - delta * beta * (-ln U)</c>, U uniform in (0, 1], never before
/// now. The random lead spreads refreshes of keys written together, and across replicas it makes one replica fire
/// first so the others find the key already fresh.
/// </summary>
/// <remarks>
/// Two bounds keep the rule sound at the edges. The spread uses at least <see cref="MinSpread"/> as delta: with
/// millisecond loads, replicas would otherwise all fire within milliseconds and race for the lease. And the random
/// lead never takes more than half of the time left before the buffer, so an inflated delta (the slow first loads of a
/// cold process) cannot make a refresh fire right after the previous one.
/// </remarks>
internal sealed class RefreshPlanner(IOptions<RefreshOptions> options, TimeProvider time)
{
    /// <summary>The least spread scale, whatever the measured load time.</summary>
    public static readonly TimeSpan MinSpread = TimeSpan.FromMilliseconds(250);

    /// <summary>The share of the buffer still left when a standby refreshes a key its owner did not.</summary>
    public const double StandbyShare = 0.9;

    private readonly RefreshOptions _refresh = options.Value;

    public DateTimeOffset FireAt(DateTimeOffset expiresAt, TimeSpan loadTime) =>
        FireAt(expiresAt, loadTime, time.GetUtcNow(), _refresh.Buffer, _refresh.Beta, 1.0 - Random.Shared.NextDouble());

    /// <summary>
    /// When the standby of a key (<c>Refresh:Partition</c>) refreshes it: a tenth of the buffer after the owner's latest
    /// possible plan (<c>T - Buffer</c>), so its owner's write, arriving as an event, has moved this plan to the next
    /// expiry; it loads only when the owner did not (it died since its last beat). Nine tenths of the buffer are left
    /// for that: time for a dead owner's heartbeat to run out, should it have died holding the lease, and for the load.
    /// </summary>
    public DateTimeOffset StandbyAt(DateTimeOffset expiresAt)
    {
        var now = time.GetUtcNow();
        var at = expiresAt - (_refresh.Buffer * StandbyShare);
        return at < now ? now : at;
    }

    /// <summary>
    /// How early a key planned now may fire when the replica runs behind: half the time left before the buffer, as
    /// XFetch's own lead, so even then the refresh moves the expiry by more than the re-check's tolerance and other
    /// replicas find the key fresh.
    /// </summary>
    public DateTimeOffset EarliestAt(DateTimeOffset expiresAt) => EarliestAt(expiresAt, time.GetUtcNow(), _refresh.Buffer);

    /// <summary>The earliest fire time of a key expiring at <paramref name="expiresAt"/>, planned at <paramref name="now"/>.</summary>
    public static DateTimeOffset EarliestAt(DateTimeOffset expiresAt, DateTimeOffset now, TimeSpan buffer)
    {
        var room = expiresAt - buffer - now;
        return room > TimeSpan.Zero ? expiresAt - buffer - (room / 2) : now;
    }

    /// <summary>The fire time for a given draw <paramref name="u"/> in (0, 1].</summary>
    public static DateTimeOffset FireAt(DateTimeOffset expiresAt, TimeSpan loadTime, DateTimeOffset now, TimeSpan buffer, double beta, double u)
    {
        var spread = loadTime < MinSpread ? MinSpread : loadTime;
        var early = spread * (beta * -Math.Log(u));
        var room = expiresAt - buffer - now;
        if (room > TimeSpan.Zero && early > room / 2)
        {
            early = room / 2;
        }

        var fireAt = expiresAt - buffer - early;
        return fireAt < now ? now : fireAt;
    }
}
