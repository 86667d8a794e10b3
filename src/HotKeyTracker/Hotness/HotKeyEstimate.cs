namespace CacheWarmer.HotKeyTracker.Hotness;

/// <summary>What <see cref="DecayedSpaceSaving"/> knows of one key's read rate at a given time.</summary>
/// <param name="Key">The key.</param>
/// <param name="RatePerMinute">Estimated reads per minute (an upper estimate: Space-Saving over-counts).</param>
/// <param name="ErrorPerMinute">The most the estimate can over-count by (Space-Saving's per-key error).</param>
public readonly record struct HotKeyEstimate(string Key, double RatePerMinute, double ErrorPerMinute);
