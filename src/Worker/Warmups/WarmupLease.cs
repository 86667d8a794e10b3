using CacheWarmer.Contracts.Keys;
using CacheWarmer.Worker.Coordination;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// One replica's claim on one firing of a warmup: <c>{prefix}warmup:{name:fireMs}</c> set NX to <c>replicaId:token</c>
/// for LeaseTtl, extended while the firing runs, and turned into <c>done</c> (kept until the window ends) once every
/// key was reached. Each finished key is added to the progress set, so a replica that takes over a dead holder's
/// firing warms only the rest. Keyed by the scheduled fire time, not the actual one, so every replica names the same
/// firing alike however late its scheduler ran.
/// </summary>
internal sealed class WarmupLease
{
    public const string Done = "done";

    // Every script below answers 1 when this attempt held (or now holds) the firing and 0 when not; the acquire and
    // the take-over add the holder they found. ReadClaim and ReadHeld are the only readers of these numbers. Extension
    // and release are the scripts every lease shares (LeaseScripts).
    private enum HeldReply : long
    {
        NotHeld = 0,
        Held = 1,
    }

    private const string AcquireScript = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ''} end
        return {0, redis.call('GET', KEYS[1]) or ''}
        """;

    private const string TakeOverScript = """
        if redis.call('GET', KEYS[1]) == ARGV[3] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return {1, ''}
        end
        return {0, redis.call('GET', KEYS[1]) or ''}
        """;

    private const string CompleteScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
          redis.call('PEXPIRE', KEYS[2], ARGV[2])
          return 1
        end
        return 0
        """;

    private readonly IDatabase _db;
    private readonly RedisKey[] _keys;

    /// <param name="db">The database of the worker's keys.</param>
    /// <param name="prefix">The worker's key prefix.</param>
    /// <param name="name">The warmup.</param>
    /// <param name="scheduledFire">The firing, by its scheduled time.</param>
    /// <param name="holder">This attempt's lease value (<see cref="LeaseHolders.NewValue()"/>).</param>
    public WarmupLease(IDatabase db, string prefix, string name, DateTimeOffset scheduledFire, string holder)
    {
        _db = db;
        var fireMs = scheduledFire.ToUnixTimeMilliseconds();
        _keys = [WorkerKeys.Warmup(prefix, name, fireMs), WorkerKeys.WarmupProgress(prefix, name, fireMs)];
        Token = holder;
    }

    public string Token { get; }

    /// <summary>Takes the firing; when another has it, says who (<c>replicaId:token</c>, or <see cref="Done"/>).</summary>
    public async Task<(bool Won, string Holder)> TryAcquireAsync(TimeSpan ttl) =>
        ReadClaim(await _db.ScriptEvaluateAsync(AcquireScript, _keys, [Token, Ms(ttl)]).ConfigureAwait(false));

    /// <summary>Takes the firing from <paramref name="holder"/>, a dead replica, if it still holds it.</summary>
    public async Task<(bool Won, string Holder)> TryTakeOverAsync(TimeSpan ttl, string holder) =>
        ReadClaim(await _db.ScriptEvaluateAsync(TakeOverScript, _keys, [Token, Ms(ttl), holder]).ConfigureAwait(false));

    public Task<bool> ExtendAsync(TimeSpan ttl) => LeaseScripts.ExtendAsync(_db, _keys[0], Token, ttl);

    /// <summary>The keys this firing has finished, by any replica.</summary>
    public async Task<HashSet<string>> FinishedKeysAsync()
    {
        var members = await _db.SetMembersAsync(_keys[1]).ConfigureAwait(false);
        return members.Select(m => m.ToString()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Records <paramref name="key"/> as finished; the record lives <paramref name="keep"/>.</summary>
    public Task MarkFinishedAsync(string key, TimeSpan keep) =>
        Task.WhenAll(_db.SetAddAsync(_keys[1], key), _db.KeyExpireAsync(_keys[1], keep));

    /// <summary>Marks the firing done for <paramref name="keep"/>, if this attempt still holds it.</summary>
    public async Task<bool> CompleteAsync(TimeSpan keep) =>
        ReadHeld(await _db.ScriptEvaluateAsync(CompleteScript, _keys, [Token, Ms(keep)]).ConfigureAwait(false));

    /// <summary>Lets the firing go (this replica is stopping), so another takes the rest at once.</summary>
    public Task ReleaseAsync() => LeaseScripts.ReleaseAsync(_db, _keys[0], Token);

    private static long Ms(TimeSpan span) => Math.Max(1, (long)span.TotalMilliseconds);

    // {1, ''} when won; {0, the holder or '' when it ran out meanwhile} when not.
    private static (bool Won, string Holder) ReadClaim(RedisResult reply)
    {
        var parts = (RedisResult[])reply!;
        return (ReadHeld(parts[0]), (string?)parts[1] ?? string.Empty);
    }

    private static bool ReadHeld(RedisResult reply) => (HeldReply)(long)reply == HeldReply.Held;
}
