using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// Holds a firing's lease while the firing runs: extends it every third of its TTL. A failed extension (a Redis error
/// or timeout) is tried again at the next tick while the lease still has time; when the lease is found lost, or is
/// down to a sixth of its TTL without an extension, the run is cancelled, so this replica stops warming before
/// another one can take the firing over: a firing never runs unfenced.
/// </summary>
internal static class WarmupLeaseKeeper
{
    /// <param name="lease">The firing's lease, held by this replica.</param>
    /// <param name="heldUntil">When the lease runs out unless extended, on this replica's clock: the time the request
    /// that took it was sent, plus its TTL (so a slow reply never makes it look held longer than it is).</param>
    /// <param name="ttl">The lease's TTL (Refresh:LeaseTtl).</param>
    /// <param name="run">Cancelled when the lease cannot be kept; the keeper ends when it is cancelled.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">For extension failures and a lost lease.</param>
    /// <param name="name">The warmup, for the logs.</param>
    /// <param name="scheduledFire">The firing, for the logs.</param>
    public static async Task KeepAsync(
        WarmupLease lease, DateTimeOffset heldUntil, TimeSpan ttl, CancellationTokenSource run, TimeProvider time, ILogger logger, string name, DateTimeOffset scheduledFire)
    {
        var period = ttl / 3;
        var margin = period / 2;
        var next = time.GetUtcNow() + period;
        try
        {
            while (true)
            {
                // Which deadline is waited for decides what follows, not a clock read after the wait: a timer may
                // fire a little early by the wall clock.
                var stopAt = heldUntil - margin;
                var runningOut = next >= stopAt;
                var wait = (runningOut ? stopAt : next) - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, run.Token).ConfigureAwait(false);
                }

                var now = time.GetUtcNow();
                if (runningOut || now >= stopAt)
                {
                    Log.WarmupLeaseRunningOut(logger, name, scheduledFire, (long)(heldUntil - now).TotalMilliseconds);
                    await run.CancelAsync().ConfigureAwait(false);
                    return;
                }

                next = now + period;
                try
                {
                    // Waited for no longer than the lease can spare: a reply that comes later is too late anyway.
                    if (!await lease.ExtendAsync(ttl).WaitAsync(stopAt - now, time, run.Token).ConfigureAwait(false))
                    {
                        if (run.IsCancellationRequested)
                        {
                            return;
                        }

                        Log.WarmupLeaseLost(logger, name, scheduledFire);
                        await run.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    heldUntil = now + ttl;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    Log.WarmupLeaseExtendFailed(logger, name, scheduledFire, (long)(heldUntil - time.GetUtcNow()).TotalMilliseconds, ex);
                }
            }
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
        }
    }
}
