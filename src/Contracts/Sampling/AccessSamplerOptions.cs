namespace CacheWarmer.Contracts.Sampling;

/// <summary>Settings of an <see cref="AccessSampler"/>; checked when the sampler is constructed.</summary>
public sealed class AccessSamplerOptions
{
    /// <summary>The prefix of worker-owned keys; samples go to <c>{KeyPrefix}samples</c>. Default <c>cw:</c>.</summary>
    public string KeyPrefix { get; set; } = AccessSamples.DefaultPrefix;

    /// <summary>
    /// The fraction of reads recorded, in (0, 1]. Default 1 (every read). Sent counts are scaled by
    /// <c>1 / SampleRate</c>, so they estimate the real number of reads.
    /// </summary>
    public double SampleRate { get; set; } = 1.0;

    /// <summary>How often counts are sent, as one stream entry each time; positive, at most a day. Default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The most distinct keys counted in one interval, which bounds the sampler's memory; reads of further keys in
    /// that interval are dropped and counted in <see cref="AccessSampler.SamplesDropped"/> (one per key for the first
    /// <c>MaxKeysPerFlush</c> keys turned away, one per read beyond). At least 1. Default 10,000.
    /// </summary>
    public int MaxKeysPerFlush { get; set; } = 10_000;

    /// <summary>The Redis database the stream lives in; -1 (the default) is the multiplexer's default database.</summary>
    public int Database { get; set; } = -1;
}
