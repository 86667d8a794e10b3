using StackExchange.Redis;

namespace CacheWarmer.Worker.Coordination;

/// <summary>
/// The compare-and-set scripts every lease of the worker shares (refreshes and warmup firings alike): each acts on the
/// lease key only while it still holds this attempt's value (<see cref="LeaseHolders"/>), so an attempt whose lease ran
/// out and was taken can neither keep nor free the new holder's.
/// </summary>
internal static class LeaseScripts
{
    // The reply of Extend and Release: whether the lease still held the value.
    private enum IfHeldReply : long
    {
        NotHeld = 0,
        Done = 1,
    }

    /// <summary>Extends KEYS[1], the lease, to ARGV[2] ms if it holds ARGV[1]: 1, else 0.</summary>
    public const string Extend = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """;

    /// <summary>Deletes KEYS[1], the lease, if it holds ARGV[1]: 1, else 0.</summary>
    public const string Release = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    /// <summary>Extends <paramref name="lease"/> to <paramref name="ttl"/> if it still holds <paramref name="value"/>; false when it does not.</summary>
    public static async Task<bool> ExtendAsync(IDatabase db, RedisKey lease, string value, TimeSpan ttl) =>
        (IfHeldReply)(long)await db.ScriptEvaluateAsync(Extend, [lease], [value, Math.Max(1, (long)ttl.TotalMilliseconds)]).ConfigureAwait(false) == IfHeldReply.Done;

    /// <summary>Deletes <paramref name="lease"/> if it still holds <paramref name="value"/> (no one needs to know whether it did).</summary>
    public static Task ReleaseAsync(IDatabase db, RedisKey lease, string value) =>
        db.ScriptEvaluateAsync(Release, [lease], [value]);
}
