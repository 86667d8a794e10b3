using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.HotKeyTracker.Hotness;

/// <summary>How the hot-key model counts reads and where it reads them from.</summary>
public sealed class HotKeyOptions
{
    /// <summary>The most keys the model tracks (its memory bound). Default 100,000.</summary>
    public int Capacity { get; set; } = 100_000;

    /// <summary>A key's rate halves after this long without reads. Default 5 minutes.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The prefix of worker-owned keys; the sample stream is <c>{prefix}samples</c>. Default <c>cw:</c>.</summary>
    public string KeyPrefix { get; set; } = WorkerKeys.DefaultPrefix;

    /// <summary>The Redis database of the sample stream (the cached keys' database). Default 0.</summary>
    public int Database { get; set; }

    /// <summary>
    /// How far back the sample stream is read at start, so a replica that starts (or restarts) knows the hot keys at
    /// once; each entry weighs by its age. Default 15 minutes.
    /// </summary>
    public TimeSpan Replay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Stream entries asked per read. Default 1,000.</summary>
    public int ReadBatch { get; set; } = 1000;

    /// <summary>How long the reader waits after it found the stream drained. Default 100 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How many reads one write of a loader key by an app counts for (a cache-aside app writes after a miss, so a
    /// write proves at least one read). The worker's own writes never count. Default 1; 0 ignores writes.
    /// </summary>
    public double AppWriteWeight { get; set; } = 1;

    /// <summary>How often Redis's own LFU counters are read (only under an LFU maxmemory-policy). Default 1 minute.</summary>
    public TimeSpan LfuPollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most keys whose LFU counters are read per interval. Default 100,000.</summary>
    public int LfuMaxKeys { get; set; } = 100_000;
}
