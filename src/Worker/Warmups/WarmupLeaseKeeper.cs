using CacheWarmer.Worker.Coordination;
using Microsoft.Extensions.Logging;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// Holds a firing's lease while the firing runs (<see cref="LeaseKeepAlive"/>): a failed extension (a Redis error or
/// timeout) is tried again at the next tick while the lease still has time; when the lease is found lost, or is down
/// to a sixth of its TTL without an extension, the run is cancelled, so this replica stops warming before another one
/// can take the firing over: a firing never runs unfenced.
/// </summary>
internal sealed class WarmupLeaseKeeper : IKeptLeases
{
    private readonly WarmupLease _lease;
    private readonly CancellationTokenSource _run;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly DateTimeOffset _scheduledFire;
    private Task _cancelling = Task.CompletedTask;

    private WarmupLeaseKeeper(WarmupLease lease, CancellationTokenSource run, ILogger logger, string name, DateTimeOffset scheduledFire)
    {
        _lease = lease;
        _run = run;
        _logger = logger;
        _name = name;
        _scheduledFire = scheduledFire;
    }

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
        var keeper = new WarmupLeaseKeeper(lease, run, logger, name, scheduledFire);
        var keepAlive = new LeaseKeepAlive(keeper, 1, heldUntil, ttl, time);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, run.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
        }

        await keepAlive.StopAsync().ConfigureAwait(false);
        await keeper._cancelling.ConfigureAwait(false);
    }

    Task<bool> IKeptLeases.ExtendAsync(int lease, TimeSpan ttl) => _lease.ExtendAsync(ttl);

    void IKeptLeases.ExtendFailed(int lease, Exception error, TimeSpan left) =>
        Log.WarmupLeaseExtendFailed(_logger, _name, _scheduledFire, (long)left.TotalMilliseconds, error);

    void IKeptLeases.Lost(int lease)
    {
        Log.WarmupLeaseLost(_logger, _name, _scheduledFire);
        _cancelling = _run.CancelAsync();
    }

    void IKeptLeases.RunningOut(int lease, TimeSpan left)
    {
        Log.WarmupLeaseRunningOut(_logger, _name, _scheduledFire, (long)left.TotalMilliseconds);
        _cancelling = _run.CancelAsync();
    }
}
