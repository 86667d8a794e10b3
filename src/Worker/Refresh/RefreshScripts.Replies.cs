using StackExchange.Redis;
// Inside RefreshScripts, FencedWrite names the script; this names the reply.
using FencedWriteReply = CacheWarmer.Worker.Refresh.FencedWrite;

namespace CacheWarmer.Worker.Refresh;

// The one reader of each script's reply: the numbers the Lua returns are named here and nowhere else, so callers
// see LeaseClaim, FencedWrite and FailSafeKept rather than 0, 1, 2, 3 and -1, -2, -3.
internal static partial class RefreshScripts
{
    // The first element of Acquire's and TakeOver's reply.
    private enum ClaimReply : long
    {
        Busy = 0,
        Won = 1,
    }

    /// <summary>Reads the reply of <see cref="Acquire"/> or <see cref="TakeOver"/>.</summary>
    public static LeaseClaim ReadClaim(RedisResult reply)
    {
        var parts = (RedisResult[])reply!;
        if ((ClaimReply)(long)parts[0] != ClaimReply.Won)
        {
            // {0, lease PTTL, holder}: the holder is nil when the lease ran out between the SET and the GET.
            return new LeaseClaim(false, (long)parts[1], (string?)parts[2], string.Empty, 0, null);
        }

        // {1, data PTTL, digest, Redis ms [, a library entry's field names, its data's first 9 and last 2 bytes]}.
        var entry = parts.Length > 4 ? new EntrySample((string)parts[4]!, (byte[])parts[5]!, (byte[])parts[6]!) : (EntrySample?)null;
        return new LeaseClaim(true, (long)parts[1], null, (string)parts[2]!, (long)parts[3], entry);
    }

    /// <summary>Reads the reply of <see cref="FencedWrite"/>.</summary>
    public static FencedWriteReply ReadFencedWrite(RedisResult reply)
    {
        var parts = (RedisResult[])reply!;
        return (FencedWriteOutcome)(long)parts[0] switch
        {
            FencedWriteOutcome.Written => new FencedWriteReply(FencedWriteOutcome.Written, (long)parts[1]),
            FencedWriteOutcome.Superseded => new FencedWriteReply(FencedWriteOutcome.Superseded, (long)parts[1]),
            // {3}, the only other reply: nothing was read of the key.
            _ => new FencedWriteReply(FencedWriteOutcome.LeaseLost, -2),
        };
    }

    /// <summary>Reads the reply of <see cref="FailSafeExtend"/>: a TTL in ms (0 or more), or a negative code.</summary>
    public static FailSafeKept ReadFailSafe(RedisResult reply)
    {
        var value = (long)reply;
        return value >= 0 ? new FailSafeKept(FailSafeOutcome.Kept, value) : new FailSafeKept((FailSafeOutcome)value, value);
    }
}

/// <summary>
/// What a try to take the lease found. When won: the data key's PTTL (-2: missing, -1: no TTL), the digest of what it
/// holds ('' when missing), Redis's clock in ms, and for a library's entry a sample of its layout. When not won: the
/// lease's PTTL and its holder's value (null when it ran out meanwhile).
/// </summary>
internal readonly record struct LeaseClaim(bool Won, long Pttl, string? Holder, string Digest, long RedisNowMs, EntrySample? Entry);

/// <summary>A library entry's field names (sorted, comma-separated) and the first 9 and last 2 bytes of its data.</summary>
internal readonly record struct EntrySample(string FieldNames, byte[] Head, byte[] Tail);

/// <summary>How a fenced write ended. Each value is the script's reply code.</summary>
internal enum FencedWriteOutcome : long
{
    /// <summary>The value was written with its TTL and the lease released.</summary>
    Written = 1,

    /// <summary>An app wrote or deleted the key since the lease was taken: its write stands, nothing was written.</summary>
    Superseded = 2,

    /// <summary>The lease expired and another attempt holds (or held) it: nothing was written.</summary>
    LeaseLost = 3,
}

/// <summary>A fenced write's outcome and the data key's PTTL just before it (-2: missing, -1: no TTL).</summary>
internal readonly record struct FencedWrite(FencedWriteOutcome Outcome, long PttlBefore);

/// <summary>How the fail-safe ended. Each negative value is the script's reply code; any other reply is a TTL.</summary>
internal enum FailSafeOutcome : long
{
    /// <summary>The old value stays, with the TTL the reply carries (extended, or as it was when no longer extendable).</summary>
    Kept = 0,

    /// <summary>The old value has no TTL (an app made it permanent): nothing was changed but the lease released.</summary>
    NoTtl = -1,

    /// <summary>There is no old value to keep; the lease was released.</summary>
    NoValue = -2,

    /// <summary>The lease was lost: nothing was changed.</summary>
    LeaseLost = -3,
}

/// <summary>The fail-safe's outcome and the TTL the old value has now, in ms (the reply itself when not kept).</summary>
internal readonly record struct FailSafeKept(FailSafeOutcome Outcome, long TtlMs);
