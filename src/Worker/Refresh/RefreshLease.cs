using CacheWarmer.Contracts.Keys;
using CacheWarmer.Worker.Configuration;
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

    private (bool Won, long Pttl, string? Holder) Read(RedisResult reply)
    {
        var claim = RefreshScripts.ReadClaim(reply);
        MayHold = claim.Won;
        if (!claim.Won)
        {
            return (false, claim.Pttl, claim.Holder);
        }

        _seenDigest = claim.Digest;
        var kind = _seenDigest.Length == 0 ? null : _seenDigest[.._seenDigest.IndexOf(':', StringComparison.Ordinal)];
        ForeignType = kind is null || kind == RedisType(_format) ? null : kind;
        UnknownLayout = claim.Entry is { } entry ? EntryLayouts.Unknown(_format, entry.FieldNames, entry.Head, entry.Tail) : null;
        _seenExpiry = claim.Pttl >= 0 ? claim.RedisNowMs + claim.Pttl : claim.Pttl;
        return (true, claim.Pttl, null);
    }

    public Task<bool> ExtendAsync(TimeSpan leaseTtl) => LeaseScripts.ExtendAsync(_db, _keys[0], Token, leaseTtl);

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

        return RefreshScripts.ReadFencedWrite(await _db.ScriptEvaluateAsync(RefreshScripts.FencedWrite, _keys, args).ConfigureAwait(false));
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

    /// <summary>Extends the old value for the fail-safe; says whether it is kept and its TTL now.</summary>
    public async Task<FailSafeKept> KeepOldValueAsync(TimeSpan extension, TimeSpan maxStale)
    {
        MayHold = false;
        return RefreshScripts.ReadFailSafe(await _db.ScriptEvaluateAsync(
            RefreshScripts.FailSafeExtend, _keys,
            [Token, (long)extension.TotalMilliseconds, (long)maxStale.TotalMilliseconds, (long)WorkerKeys.WroteMarkerLifetime.TotalMilliseconds]).ConfigureAwait(false));
    }

    public async Task ReleaseAsync()
    {
        if (MayHold)
        {
            MayHold = false;
            await LeaseScripts.ReleaseAsync(_db, _keys[0], Token).ConfigureAwait(false);
        }
    }
}
