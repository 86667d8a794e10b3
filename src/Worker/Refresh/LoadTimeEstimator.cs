using System.Collections.Concurrent;

namespace CacheWarmer.Worker.Refresh;

/// <summary>XFetch's delta: an exponentially weighted moving average of recent load times, per loader.</summary>
internal sealed class LoadTimeEstimator
{
    // Before any load has been measured, assume a modest query so that refreshes still spread out a little.
    internal static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private const double Weight = 0.2;
    private readonly ConcurrentDictionary<string, double> _ticks = new(StringComparer.Ordinal);

    public TimeSpan Estimate(string loader) =>
        _ticks.TryGetValue(loader, out var ticks) ? TimeSpan.FromTicks((long)ticks) : Initial;

    public void Record(string loader, TimeSpan loadTime) =>
        _ticks.AddOrUpdate(loader, loadTime.Ticks, (_, current) => current + (Weight * (loadTime.Ticks - current)));
}
