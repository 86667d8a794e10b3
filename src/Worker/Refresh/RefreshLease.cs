using System.Security.Cryptography;
using CacheWarmer.Contracts.Keys;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// One attempt's claim on a key across replicas: <c>{prefix}lease:{key}</c> holding <c>replicaId:token</c>. The
/// token makes release, extension and the fenced write conditional on still holding this very lease.
/// </summary>
internal sealed class RefreshLease
{
    private readonly IDatabase _db;
    private readonly RedisKey[] _keys;

    public RefreshLease(IDatabase db, string prefix, string replicaId, string key)
    {
        _db = db;
        Token = replicaId + ":" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        _keys = [WorkerKeys.Lease(prefix, key), key, WorkerKeys.Stale(prefix, key), WorkerKeys.Wrote(prefix, key)];
    }

    public string Token { get; }

    /// <summary>True while this attempt may hold the lease (until release, the fenced write or the fail-safe).</summary>
    public bool MayHold { get; private set; }

    /// <summary>
    /// Tries to take the lease. Returns whether it was won, the data key's PTTL when won (else the lease's), and the
    /// holder's value (<c>replicaId:token</c>) when another attempt has it.
    /// </summary>
    public async Task<(bool Won, long Pttl, string? Holder)> TryAcquireAsync(TimeSpan leaseTtl) =>
        Read(await _db.ScriptEvaluateAsync(RefreshScripts.Acquire, _keys, [Token, (long)leaseTtl.TotalMilliseconds]).ConfigureAwait(false));

    /// <summary>Takes the lease from <paramref name="holder"/>, a dead replica's attempt, if it still holds it.</summary>
    public async Task<(bool Won, long Pttl, string? Holder)> TryTakeOverAsync(TimeSpan leaseTtl, string holder) =>
        Read(await _db.ScriptEvaluateAsync(RefreshScripts.TakeOver, _keys, [Token, (long)leaseTtl.TotalMilliseconds, holder]).ConfigureAwait(false));

    /// <summary>The replica named in a lease value <c>replicaId:token</c>.</summary>
    public static string ReplicaOf(string holder) => holder[..Math.Max(holder.LastIndexOf(':'), 0)];

    private (bool Won, long Pttl, string? Holder) Read(RedisResult result)
    {
        var parts = (RedisResult[])result!;
        MayHold = (long)parts[0] == 1;
        return (MayHold, (long)parts[1], MayHold ? null : (string?)parts[2]);
    }

    public async Task<bool> ExtendAsync(TimeSpan leaseTtl) =>
        (long)await _db.ScriptEvaluateAsync(RefreshScripts.Extend, _keys, [Token, (long)leaseTtl.TotalMilliseconds]).ConfigureAwait(false) == 1;

    /// <summary>Writes only if the lease is still ours; returns the PTTL before the write, or -3 if the lease was lost.</summary>
    public async Task<long> WriteAsync(byte[] value, TimeSpan ttl)
    {
        MayHold = false;
        return (long)await _db.ScriptEvaluateAsync(
            RefreshScripts.FencedWrite, _keys,
            [Token, value, (long)ttl.TotalMilliseconds, (long)WorkerKeys.WroteMarkerLifetime.TotalMilliseconds]).ConfigureAwait(false);
    }

    /// <summary>Extends the old value for the fail-safe; returns its TTL in ms now (see the script for codes).</summary>
    public async Task<long> KeepOldValueAsync(TimeSpan extension, TimeSpan maxStale)
    {
        MayHold = false;
        return (long)await _db.ScriptEvaluateAsync(
            RefreshScripts.FailSafeExtend, _keys,
            [Token, (long)extension.TotalMilliseconds, (long)maxStale.TotalMilliseconds]).ConfigureAwait(false);
    }

    public async Task ReleaseAsync()
    {
        if (MayHold)
        {
            MayHold = false;
            await _db.ScriptEvaluateAsync(RefreshScripts.Release, _keys, [Token]).ConfigureAwait(false);
        }
    }
}
