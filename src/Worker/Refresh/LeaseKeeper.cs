using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Keeps a load's lease (or every lease of a batch) alive while the load runs (<see cref="LeaseKeepAlive"/>). A lease
/// that cannot be kept is only logged: the load goes on, and its fenced write refuses to write, so the new holder's
/// value stands.
/// </summary>
internal sealed class LeaseKeeper : IKeptLeases
{
    private readonly (RefreshLease Lease, string Key)[] _leases;
    private readonly ILogger _logger;
    private readonly LeaseKeepAlive _keepAlive;

    public LeaseKeeper(RefreshLease lease, string key, TimeSpan leaseTtl, TimeProvider time, ILogger logger)
        : this([(lease, key)], leaseTtl, time, logger)
    {
    }

    public LeaseKeeper((RefreshLease Lease, string Key)[] leases, TimeSpan leaseTtl, TimeProvider time, ILogger logger)
    {
        _leases = leases;
        _logger = logger;
        // Counted from the load's start, a little after the acquire was sent: that round trip is all the keep-alive
        // may think the lease lasts longer than it does, and a late extension is refused by its token check anyway.
        _keepAlive = new LeaseKeepAlive(this, leases.Length, time.GetUtcNow() + leaseTtl, leaseTtl, time);
    }

    /// <inheritdoc cref="LeaseKeepAlive.StopAsync"/>
    public ValueTask StopAsync() => _keepAlive.StopAsync();

    Task<bool> IKeptLeases.ExtendAsync(int lease, TimeSpan ttl) => _leases[lease].Lease.ExtendAsync(ttl);

    void IKeptLeases.ExtendFailed(int lease, Exception error, TimeSpan left) => Log.ReleaseFailed(_logger, _leases[lease].Key, error);

    // Lost: the fenced write will refuse to write, so the new holder's value stands.
    void IKeptLeases.Lost(int lease) => Log.LeaseLost(_logger, _leases[lease].Key);

    // The failed extensions were logged; the fenced write decides.
    void IKeptLeases.RunningOut(int lease, TimeSpan left)
    {
    }
}
