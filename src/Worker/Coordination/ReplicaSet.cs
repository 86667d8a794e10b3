using System.IO.Hashing;
using System.Text;

namespace CacheWarmer.Worker.Coordination;

/// <summary>What this replica does for one key, given the live replicas.</summary>
internal enum KeyRole
{
    /// <summary>It refreshes the key at its planned time.</summary>
    Owner,

    /// <summary>It tracks the key and refreshes it only late, should the owner not have (the owner died meanwhile).</summary>
    Standby,

    /// <summary>Another replica owns the key and a third stands by: this one does not track it.</summary>
    None,
}

/// <summary>
/// The live replicas as one replica saw them, and each key's owner among them by rendezvous hashing: every replica
/// weighs (replica, key) with the same hash and the heaviest owns the key, the second heaviest stands by. Every
/// replica computes the same answer from the same members, without talking; when one leaves, only its keys move (to
/// their standby, which already tracks them), and a replica that joins takes about 1/N of every other's keys.
/// </summary>
internal sealed class ReplicaSet
{
    // Keys longer than this are hashed from an array on the heap instead of the stack.
    private const int StackBytes = 512;

    private readonly string[] _ids;
    private readonly long[] _seeds;
    private readonly int _self;

    /// <summary>The set of <paramref name="members"/>, which always holds <paramref name="self"/>.</summary>
    public ReplicaSet(IEnumerable<string> members, string self)
    {
        _ids = members.Append(self).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        _seeds = _ids.Select(id => unchecked((long)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(id)))).ToArray();
        _self = Array.IndexOf(_ids, self);
    }

    /// <summary>The live replicas, this one included, in ordinal order.</summary>
    public IReadOnlyList<string> Ids => _ids;

    /// <summary>This replica's role for <paramref name="key"/>.</summary>
    public KeyRole RoleOf(string key)
    {
        if (_ids.Length == 1)
        {
            return KeyRole.Owner;
        }

        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        var onHeap = length > StackBytes ? new byte[length] : null;
        Span<byte> buffer = onHeap ?? stackalloc byte[StackBytes];
        var bytes = buffer[..Encoding.UTF8.GetBytes(key, buffer)];
        var own = XxHash3.HashToUInt64(bytes, _seeds[_self]);
        var heavier = 0;
        for (var i = 0; i < _ids.Length; i++)
        {
            if (i == _self)
            {
                continue;
            }

            // Equal weights go to the replica first in ordinal order, the same on every replica.
            var weight = XxHash3.HashToUInt64(bytes, _seeds[i]);
            if ((weight > own || (weight == own && i < _self)) && ++heavier == 2)
            {
                return KeyRole.None;
            }
        }

        return heavier == 0 ? KeyRole.Owner : KeyRole.Standby;
    }

    /// <summary>True when <paramref name="other"/> names the same replicas.</summary>
    public bool SameMembers(ReplicaSet other) => _ids.AsSpan().SequenceEqual(other._ids);
}
