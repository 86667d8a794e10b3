using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// How many planned refreshes this replica gets through per second: its <c>Refresh:MaxConcurrency</c> slots over the
/// measured slot time per key (a slot's whole run, lease and re-check included, over the keys it held), so a batch's
/// keys, keys found fresh and a machine under load all count as they really run.
/// </summary>
internal sealed class RefreshCapacity(IOptions<RefreshOptions> refresh)
{
    private const double Weight = 0.2;
    private readonly int _slots = Math.Clamp(refresh.Value.MaxConcurrency, 1, 1024);

    // Before anything has run, the pessimistic load time of LoadTimeEstimator: a bulk then starts early, and the rate
    // it then measures decides how early the rest starts.
    private double _ticksPerKey = LoadTimeEstimator.Initial.Ticks;

    /// <summary>Refreshes per second, all slots busy.</summary>
    public double PerSecond => _slots * TimeSpan.TicksPerSecond / Math.Max(Volatile.Read(ref _ticksPerKey), 1);

    /// <summary>Records one slot's run: how long it took and how many keys it held.</summary>
    public void Record(TimeSpan slotTime, int keys)
    {
        if (keys < 1)
        {
            return;
        }

        double current, next;
        do
        {
            current = Volatile.Read(ref _ticksPerKey);
            next = current + (Weight * ((slotTime.Ticks / (double)keys) - current));
        }
        while (Interlocked.CompareExchange(ref _ticksPerKey, next, current) != current);
    }
}
