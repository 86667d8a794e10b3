using System.Security.Cryptography;

namespace CacheWarmer.Worker.Coordination;

/// <summary>What became of the attempt named in a lease's value.</summary>
internal enum LeaseHolderState
{
    /// <summary>Another replica, whose heartbeat is alive: its attempt may still be running.</summary>
    Alive,

    /// <summary>A replica whose heartbeat is gone: it died, and its lease may be taken over at once.</summary>
    Dead,

    /// <summary>
    /// This replica, under another token: an earlier attempt of its own (an acquire whose reply was lost, a release
    /// that failed), or one still running here. Whether that is over is for the caller to know.
    /// </summary>
    ThisReplica,

    /// <summary>A value the worker did not write (no replica named in it).</summary>
    Unknown,
}

/// <summary>
/// The values of the worker's Redis leases (refreshes and warmup firings alike): <c>replicaId:token</c>, so a
/// conditional release, extension or write succeeds only for the attempt that took the lease, and any replica can tell
/// whose it is and whether that replica still lives (<see cref="ReplicaHeartbeat"/>).
/// </summary>
internal sealed class LeaseHolders(ReplicaIdentity replica, ReplicaHeartbeat heartbeat)
{
    /// <summary>This replica's name, the part of its lease values before the token.</summary>
    public string ReplicaId => replica.Id;

    /// <summary>A new lease value of this replica: unique to one attempt.</summary>
    public string NewValue() => NewValue(replica.Id);

    /// <summary>A new lease value naming <paramref name="replicaId"/>.</summary>
    public static string NewValue(string replicaId) => replicaId + ":" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>The replica named in a lease value; empty when it names none.</summary>
    public static string ReplicaOf(string holder) => holder[..Math.Max(holder.LastIndexOf(':'), 0)];

    /// <summary>Whose the lease value <paramref name="holder"/> is, and whether that replica lives.</summary>
    public async Task<LeaseHolderState> StateOfAsync(string holder)
    {
        var holderReplica = ReplicaOf(holder);
        if (holderReplica.Length == 0)
        {
            return LeaseHolderState.Unknown;
        }

        if (holderReplica == replica.Id)
        {
            return LeaseHolderState.ThisReplica;
        }

        return await heartbeat.IsAliveAsync(holderReplica).ConfigureAwait(false) ? LeaseHolderState.Alive : LeaseHolderState.Dead;
    }

    /// <summary>
    /// The take-over rule of every lease: whether the attempt named in <paramref name="holder"/> is over, so its lease
    /// may be taken over now rather than waited out. A dead replica's is. One of this replica's own, under another
    /// token, is over only when <paramref name="singleFlight"/>: the caller never runs two attempts on one lease in this
    /// process (the refresher), so it was left by an attempt that never heard back (the reply to its acquire or its
    /// release was lost). Without single flight (warmup firings) it may be an attempt still running here, which ends,
    /// or whose lease lapses, first. A live replica's, and a value naming none, are never taken over.
    /// </summary>
    public async Task<bool> IsOverAsync(string holder, bool singleFlight) =>
        await StateOfAsync(holder).ConfigureAwait(false) switch
        {
            LeaseHolderState.Dead => true,
            LeaseHolderState.ThisReplica => singleFlight,
            _ => false,
        };
}
