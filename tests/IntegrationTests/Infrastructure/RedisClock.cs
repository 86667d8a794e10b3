using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// Redis's own clock, for tests that reason about TTLs: a loaded test machine may stall between two of its own clock
/// reads, but Redis's TIME and a key's PTTL read in one script describe the same instant.
/// </summary>
internal static class RedisClock
{
    private const string NowAndPttl = """
        local t = redis.call('TIME')
        return {tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), redis.call('PTTL', KEYS[1])}
        """;

    /// <summary>Redis's time in Unix milliseconds.</summary>
    public static async Task<long> NowAsync(IDatabase db) => (await ReadAsync(db, "{clock}")).Now;

    /// <summary>Redis's time and, at that instant, the key's PTTL (-2: no key, -1: no TTL).</summary>
    public static async Task<(long Now, long Pttl)> ReadAsync(IDatabase db, string key)
    {
        var parts = (RedisResult[])(await db.ScriptEvaluateAsync(NowAndPttl, [key]))!;
        return ((long)parts[0], (long)parts[1]);
    }

    /// <summary>When the key expires, in Redis's Unix milliseconds; null when it is gone or has no TTL.</summary>
    public static async Task<long?> ExpiryAsync(IDatabase db, string key)
    {
        var (now, pttl) = await ReadAsync(db, key);
        return pttl >= 0 ? now + pttl : null;
    }
}
