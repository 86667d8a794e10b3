using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Reader;

/// <summary>
/// The start handshake through Redis: each reader process, once connected and ready, increments
/// <c>{ns}ready</c> and waits for <c>{ns}start</c>; when all are ready the lab sets the start, an absolute time
/// (Unix ms) a moment ahead, and every process begins at that instant. On a busy machine a process can take many
/// seconds to start, so a start time fixed at launch could pass before it is ready.
/// </summary>
internal static class StartLine
{
    private static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(500);

    /// <summary>Reader side: reports ready and returns the common start time.</summary>
    public static async Task<long> ReadyAsync(IDatabase db, string ns)
    {
        await db.StringIncrementAsync(ns + "ready");
        while (true)
        {
            if ((long?)await db.StringGetAsync(ns + "start") is { } start)
            {
                return start;
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Lab side: waits until <paramref name="processes"/> readers are ready, then sets and returns the start.</summary>
    public static async Task<DateTimeOffset> ReleaseAsync(IDatabase db, string ns, int processes, Task readers, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while ((long?)await db.StringGetAsync(ns + "ready") is not { } ready || ready < processes)
        {
            if (readers.IsCompleted)
            {
                await readers; // a reader process failed before it was ready: surface its error
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Only some of {processes} reader processes under {ns} got ready within 2 minutes.");
            }

            await Task.Delay(20, cancellationToken);
        }

        var start = DateTimeOffset.UtcNow + Lead;
        await db.StringSetAsync(ns + "start", start.ToUnixTimeMilliseconds(), TimeSpan.FromHours(1));
        return start;
    }
}
