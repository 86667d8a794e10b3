namespace CacheWarmer.Contracts.Sampling;

/// <summary>One field of an access-sample stream entry: a cache key and the estimated reads of it in about a second.</summary>
/// <param name="Key">The cache key that was read.</param>
/// <param name="Count">The estimated number of reads, already scaled by the sender's sampling rate; always positive.</param>
public readonly record struct AccessSample(string Key, long Count);
