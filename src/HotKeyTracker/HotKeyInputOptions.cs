using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.HotKeyTracker;

/// <summary>Where the tracker finds its inputs in Redis, and how often it reads them.</summary>
public sealed class HotKeyInputOptions
{
    /// <summary>
    /// The prefix of worker-owned keys: the sample stream <c>{prefix}samples</c>, the own-write markers and the beacon
    /// keys. Default <c>cw:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = WorkerKeys.DefaultPrefix;

    /// <summary>The Redis database of the sample stream (the cached keys' database). Default 0.</summary>
    public int Database { get; set; }

    /// <summary>Stream entries asked per read. Default 1,000.</summary>
    public int ReadBatch { get; set; } = 1000;

    /// <summary>How long the sample reader waits after it found the stream drained. Default 100 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often Redis's own LFU counters are read (only under an LFU maxmemory-policy). Default 1 minute.</summary>
    public TimeSpan LfuPollInterval { get; set; } = TimeSpan.FromMinutes(1);
}
