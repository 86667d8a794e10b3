namespace CacheWarmer.Contracts.Http;

/// <summary>One entry of <c>GET /hotkeys</c>.</summary>
/// <param name="Key">The key.</param>
/// <param name="RatePerMinute">Its decayed read rate, as this replica's model estimates it.</param>
/// <param name="Managed">Whether this replica keeps it warm.</param>
/// <param name="TtlMs">Its PTTL in Redis: milliseconds left, -1 without expiry, -2 when missing; null when Redis did not answer.</param>
/// <param name="NextRefreshInMs">Milliseconds until this replica's planned refresh (0 when due); null when not managed.</param>
public sealed record HotKey(string Key, double RatePerMinute, bool Managed, long? TtlMs, long? NextRefreshInMs);
