using CacheWarmer.Contracts.Keys;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Loaders;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// One attempt's claim on a key across replicas: <c>{prefix}lease:{key}</c> holding <c>replicaId:token</c>. The
/// token makes release, extension and the fenced write conditional on still holding this very lease.
/// </summary>
internal sealed class RefreshLease
{
    /// <summary>
    /// A key gone this close before the expiry the lease saw counts as expired, not deleted: the expiry is Redis's
    /// TIME plus PTTL, and a script's PTTL counts from the script's start while TIME is read as it runs.
    /// </summary>
    public static readonly TimeSpan ExpiryTolerance = TimeSpan.FromMilliseconds(5);

    private readonly IDatabase _db;
    private readonly RedisKey[] _keys;

    // What the won lease found: the value's digest ('' when missing) and its expiry on Redis's clock (ms; or -2).
    private readonly ValueFormat _format;
    private string _seenDigest = string.Empty;
    private long _seenExpiry = -2;

    /// <param name="db">The database of the key.</param>
    /// <param name="prefix">The worker's key prefix.</param>
    /// <param name="holder">This attempt's lease value (<see cref="LeaseHolders.NewValue()"/>).</param>
    /// <param name="key">The data key.</param>
    /// <param name="format">The layout the value is written in; a key holding another Redis type is someone else's.</param>
    public RefreshLease(IDatabase db, string prefix, string holder, string key, ValueFormat format = ValueFormat.String)
    {
        _db = db;
        _format = format;
        Token = holder;
        _keys = [WorkerKeys.Lease(prefix, key), key, WorkerKeys.Stale(prefix, key), WorkerKeys.Wrote(prefix, key)];
    }

    public string Token { get; }

    /// <summary>
    /// True once an app deleted the key while this attempt held the lease (told by the keyspace event): a load that
    /// read the row before the app's change must not write it back.
    /// </summary>
    public bool Invalidated => _invalidated;

    private volatile bool _invalidated;

    public void Invalidate() => _invalidated = true;

    /// <summary>
    /// The Redis type the won lease found at the data key when it is not the one the loader's format writes (a hash
    /// where strings are written, a string where distributed-cache entries are, a list...): data the worker did not
    /// write, which it must not overwrite.
    /// </summary>
    public string? ForeignType { get; private set; }

    /// <summary>
    /// What is unknown about the library entry the won lease found at the data key, when its layout is not the one
    /// the loader's format writes (<see cref="EntryLayouts"/>): an app on a version or serializer whose entries the
    /// worker was not verified against, which it must not overwrite.
    /// </summary>
    public string? UnknownLayout { get; private set; }

    /// <summary>True while this attempt may hold the lease (until release, the fenced write or the fail-safe).</summary>
    public bool MayHold { get; private set; }

    /// <summary>
    /// Tries to take the lease. Returns whether it was won, the data key's PTTL when won (else the lease's), and the
    /// holder's value (<c>replicaId:token</c>) when another attempt has it. Should the reply be lost, the lease may be
    /// ours without our knowing: <see cref="ReleaseAsync"/> then still deletes it if it holds this token.
    /// </summary>
    public async Task<(bool Won, long Pttl, string? Holder)> TryAcquireAsync(TimeSpan leaseTtl)
    {
        MayHold = true;
        return Read(await _db.ScriptEvaluateAsync(RefreshScripts.Acquire, _keys, [Token, (long)leaseTtl.TotalMilliseconds, Layout(_format)]).ConfigureAwait(false));
    }

    /// <summary>Takes the lease from <paramref name="holder"/>, an attempt that is gone, if it still holds it.</summary>
    public async Task<(bool Won, long Pttl, string? Holder)> TryTakeOverAsync(TimeSpan leaseTtl, string holder)
    {
        MayHold = true;
        return Read(await _db.ScriptEvaluateAsync(RefreshScripts.TakeOver, _keys, [Token, (long)leaseTtl.TotalMilliseconds, holder, Layout(_format)]).ConfigureAwait(false));
    }

    private (bool Won, long Pttl, string? Holder) Read(RedisResult result)
    {
        var parts = (RedisResult[])result!;
        MayHold = (long)parts[0] == 1;
        if (!MayHold)
        {
            return (false, (long)parts[1], (string?)parts[2]);
        }

        var pttl = (long)parts[1];
        _seenDigest = (string)parts[2]!;
        var kind = _seenDigest.Length == 0 ? null : _seenDigest[.._seenDigest.IndexOf(':', StringComparison.Ordinal)];
        ForeignType = kind is null || kind == RedisType(_format) ? null : kind;
        UnknownLayout = parts.Length > 4 ? EntryLayouts.Unknown(_format, (string)parts[4]!, (byte[])parts[5]!, (byte[])parts[6]!) : null;
        _seenExpiry = pttl >= 0 ? (long)parts[3] + pttl : pttl;
        return (true, pttl, null);
    }

    public async Task<bool> ExtendAsync(TimeSpan leaseTtl) =>
        (long)await _db.ScriptEvaluateAsync(RefreshScripts.Extend, _keys, [Token, (long)leaseTtl.TotalMilliseconds]).ConfigureAwait(false) == 1;

    /// <summary>
    /// Writes only if the lease is still ours and nobody wrote or deleted the key since the lease was taken (see
    /// <see cref="RefreshScripts.FencedWrite"/>).
    /// </summary>
    /// <param name="value">The value as its format stores it (bytes convert to it).</param>
    /// <param name="ttl">Its TTL.</param>
    /// <param name="expiresAt">When it expires: a distributed-cache entry carries it (<c>absexp</c>; -1 when not given).</param>
    /// <param name="notice">A message to publish once the value is written, and its channel (a library's backplane).</param>
    public async Task<FencedWrite> WriteAsync(StoredValue value, TimeSpan ttl, DateTimeOffset? expiresAt = null, (RedisChannel Channel, byte[] Message)? notice = null)
    {
        MayHold = false;
        RedisValue[] args =
        [
            Token, value.Data, (long)ttl.TotalMilliseconds, (long)WorkerKeys.WroteMarkerLifetime.TotalMilliseconds,
            _seenDigest, _seenExpiry, ExpiryTolerance.TotalMilliseconds, Layout(_format), expiresAt?.UtcTicks ?? -1,
            notice?.Message ?? RedisValue.EmptyString, notice is { } n ? n.Channel.ToString() : string.Empty,
        ];
        if (_format == ValueFormat.Hash)
        {
            args = [.. args, value.Fields.Length / 2, .. value.Fields, .. value.Nulls];
        }

        var parts = (RedisResult[])(await _db.ScriptEvaluateAsync(RefreshScripts.FencedWrite, _keys, args).ConfigureAwait(false))!;
        return (long)parts[0] switch
        {
            1 => new FencedWrite(FencedWriteOutcome.Written, (long)parts[1]),
            2 => new FencedWrite(FencedWriteOutcome.Superseded, (long)parts[1]),
            _ => new FencedWrite(FencedWriteOutcome.LeaseLost, -2),
        };
    }

    // The Redis type a format is kept in, as TYPE names it.
    private static string RedisType(ValueFormat format) => format == ValueFormat.String ? "string" : "hash";

    // How the scripts digest and write a format: a string, a library's hash entry, or a hash of columns.
    private static string Layout(ValueFormat format) => format switch
    {
        ValueFormat.String => "string",
        ValueFormat.Hash => "fields",
        _ => "hash",
    };

    /// <summary>Extends the old value for the fail-safe; returns its TTL in ms now (see the script for codes).</summary>
    public async Task<long> KeepOldValueAsync(TimeSpan extension, TimeSpan maxStale)
    {
        MayHold = false;
        return (long)await _db.ScriptEvaluateAsync(
            RefreshScripts.FailSafeExtend, _keys,
            [Token, (long)extension.TotalMilliseconds, (long)maxStale.TotalMilliseconds, (long)WorkerKeys.WroteMarkerLifetime.TotalMilliseconds]).ConfigureAwait(false);
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

/// <summary>How a fenced write ended.</summary>
internal enum FencedWriteOutcome
{
    /// <summary>The value was written with its TTL and the lease released.</summary>
    Written,

    /// <summary>An app wrote or deleted the key since the lease was taken: its write stands, nothing was written.</summary>
    Superseded,

    /// <summary>The lease expired and another attempt holds (or held) it: nothing was written.</summary>
    LeaseLost,
}

/// <summary>A fenced write's outcome and the data key's PTTL just before it (-2: missing, -1: no TTL).</summary>
internal readonly record struct FencedWrite(FencedWriteOutcome Outcome, long PttlBefore);
