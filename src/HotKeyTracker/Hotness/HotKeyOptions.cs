namespace CacheWarmer.HotKeyTracker.Hotness;

/// <summary>
/// How the tracker counts reads: the model's bound and decay, how far back it replays samples, and what app writes and
/// LFU counters weigh. A host can bind it from a section of its configuration and extend it with that section's other
/// settings. Where the inputs are in Redis is <see cref="HotKeyInputOptions"/>.
/// </summary>
public class HotKeyOptions
{
    /// <summary>The most keys the model tracks (its memory bound), unless <see cref="ModelCapacity"/> says less. Default 100,000.</summary>
    public int Capacity { get; set; } = 100_000;

    /// <summary>How many keys the model tracks: <see cref="Capacity"/>; a host that needs the model only to rank keys may track fewer.</summary>
    public virtual int ModelCapacity => Capacity;

    /// <summary>A key's read rate halves after this long without reads. Default 5 minutes.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far back the sample stream is read at start, so a replica that starts (or restarts) knows the hot keys at
    /// once; each entry weighs by its age. Default 15 minutes.
    /// </summary>
    public TimeSpan Replay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How many reads one write of a loader key by an app counts for (a cache-aside app writes after a miss, so a
    /// write proves at least one read). The worker's own writes never count. Default 1; 0 ignores writes.
    /// </summary>
    public double AppWriteWeight { get; set; } = 1;

    /// <summary>
    /// Under an LFU maxmemory-policy, the most keys whose Redis read counters are read per interval: the keys the
    /// listener follows, then a uniform sample of the others from the last resync. Also the size of that sample.
    /// Default 100,000.
    /// </summary>
    public int LfuMaxKeys { get; set; } = 100_000;
}
