using System.Diagnostics;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// When a library (FusionCache, HybridCache) ran its factory in this process. The lab cannot see inside the library,
/// so a read counts as a miss when a factory finished while the read was waiting: it either ran the load or waited for
/// another reader's. A read served from the cache while an eager refresh runs in the background returns before that
/// load finishes, so it stays a hit.
/// </summary>
internal sealed class FactoryLog
{
    private readonly Lock _gate = new();
    private readonly List<long> _ends = [];

    public async Task<T> RunAsync<T>(Func<Task<T>> factory)
    {
        try
        {
            return await factory();
        }
        finally
        {
            lock (_gate)
            {
                _ends.Add(Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>Whether a factory finished within [start, end] (Stopwatch timestamps).</summary>
    public bool FinishedBetween(long start, long end)
    {
        lock (_gate)
        {
            // Few factories run per process (one per key and cycle), so a scan from the newest is short.
            for (var i = _ends.Count - 1; i >= 0; i--)
            {
                if (_ends[i] < start)
                {
                    return false;
                }

                if (_ends[i] <= end)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
