namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The Lua scripts of a refresh. Each touches only the data key and worker keys built with its hash tag, so each runs
/// on one Redis Cluster slot. KEYS[1] is always the lease, KEYS[2] the data key, KEYS[3] the fail-safe marker, KEYS[4] the own-write marker.
/// </summary>
internal static class RefreshScripts
{
    /// <summary>
    /// Takes the lease if it is free and, in the same round trip, reads the data key's PTTL (the re-check). Returns
    /// {1, data PTTL} when won, {0, lease PTTL, holder} when another holder has it. ARGV: token, lease ms.
    /// </summary>
    public const string Acquire = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return {1, redis.call('PTTL', KEYS[2])}
        end
        return {0, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}
        """;

    /// <summary>
    /// Takes over a dead replica's lease: only if it still holds exactly the value seen, so two survivors cannot
    /// both take it. Same returns as <see cref="Acquire"/>. ARGV: token, lease ms, the dead holder's value.
    /// </summary>
    public const string TakeOver = """
        if redis.call('GET', KEYS[1]) == ARGV[3] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return {1, redis.call('PTTL', KEYS[2])}
        end
        return {0, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}
        """;

    /// <summary>Deletes the lease only if it is still ours. ARGV: token.</summary>
    public const string Release = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    /// <summary>Extends the lease only if it is still ours. ARGV: token, lease ms.</summary>
    public const string Extend = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """;

    /// <summary>
    /// The fenced write: only while the lease is still ours, mark the write as the worker's (before it, so the marker
    /// exists when the write's keyspace event is read), SET the value with its TTL, clear the fail-safe marker and
    /// release the lease. Returns the data key's PTTL just before the write (-2: it had expired), or -3 when the lease
    /// was lost, in which case nothing is written. ARGV: token, value, ttl ms, own-write marker ms.
    /// </summary>
    public const string FencedWrite = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return -3
        end
        local before = redis.call('PTTL', KEYS[2])
        redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        redis.call('DEL', KEYS[1], KEYS[3])
        return before
        """;

    /// <summary>
    /// The fail-safe: while the lease is ours, extends the old value's TTL to now + extension, but never past its
    /// first expiry + max stale (the first expiry is remembered in the marker key, on Redis's clock so replicas agree),
    /// then releases the lease. Returns the TTL the value now has in ms, -2 if there is no value to keep, -1 if it has
    /// no TTL, -3 if the lease was lost. ARGV: token, extension ms, max stale ms.
    /// </summary>
    public const string FailSafeExtend = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return -3
        end
        redis.call('DEL', KEYS[1])
        local pttl = redis.call('PTTL', KEYS[2])
        if pttl < 0 then
          return pttl
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local maxStale = tonumber(ARGV[3])
        local first = tonumber(redis.call('GET', KEYS[3]))
        if not first then
          first = now + pttl
          redis.call('SET', KEYS[3], first, 'PX', pttl + maxStale + 1000)
        end
        local target = math.min(now + tonumber(ARGV[2]), first + maxStale)
        if target - now > pttl then
          redis.call('PEXPIRE', KEYS[2], target - now)
          return target - now
        end
        return pttl
        """;
}
