using System.Collections.Concurrent;
using System.Diagnostics;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// When a library (FusionCache, HybridCache) ran its factory for a key in this process. The lab cannot see inside the
/// library, so a read counts as a miss when a factory of its key finished while the read was waiting: it either ran
/// the load or waited for another reader's. A read served from the cache while an eager refresh runs in the
/// background returns before that load finishes, so it stays a hit.
/// </summary>
internal sealed class FactoryLog
{
    private readonly ConcurrentDictionary<int, List<long>> _ends = new();

    public async Task<T> RunAsync<T>(int id, Func<Task<T>> factory)
    {
        try
        {
            return await factory();
        }
        finally
        {
            Mark(id);
        }
    }

    /// <summary>Records that something happened to <paramref name="id"/> now (for events the library raises).</summary>
    public void Mark(int id)
    {
        var ends = _ends.GetOrAdd(id, _ => []);
        lock (ends)
        {
            ends.Add(Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Whether a factory of <paramref name="id"/> finished within [start, end] (Stopwatch timestamps).</summary>
    public bool FinishedBetween(int id, long start, long end)
    {
        if (!_ends.TryGetValue(id, out var ends))
        {
            return false;
        }

        lock (ends)
        {
            // A key has a few factory runs (one per cycle), so a scan from the newest is short.
            for (var i = ends.Count - 1; i >= 0; i--)
            {
                if (ends[i] < start)
                {
                    return false;
                }

                if (ends[i] <= end)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
