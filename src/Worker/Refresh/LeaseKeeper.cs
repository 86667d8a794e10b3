using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Extends a lease (or every lease of a batch, pipelined) at a third of its TTL while its load runs. Nearly every load ends before the first extension is
/// due, so all a load pays for it then is one timer: no task, no cancellation source, no exception (the loop of
/// <c>Task.Delay</c> it replaces was in about 5 % of the worker's refresh samples; see docs/benchmarks.md).
/// </summary>
internal sealed class LeaseKeeper
{
    private readonly (RefreshLease Lease, string Key)[] _leases;
    private readonly bool[] _lost;
    private readonly TimeSpan _leaseTtl;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private Task? _extending;
    private bool _stopped;

    public LeaseKeeper(RefreshLease lease, string key, TimeSpan leaseTtl, TimeProvider time, ILogger logger)
        : this([(lease, key)], leaseTtl, time, logger)
    {
    }

    public LeaseKeeper((RefreshLease Lease, string Key)[] leases, TimeSpan leaseTtl, TimeProvider time, ILogger logger)
    {
        _leases = leases;
        _lost = new bool[leases.Length];
        _leaseTtl = leaseTtl;
        _logger = logger;
        var period = leaseTtl / 3;
        _timer = time.CreateTimer(static state => ((LeaseKeeper)state!).Tick(), this, period, period);
    }

    /// <summary>Stops extending, and waits for an extension in flight, so none lands after the load's write.</summary>
    public async ValueTask StopAsync()
    {
        Task? extending;
        lock (_gate)
        {
            _stopped = true;
            extending = _extending;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        if (extending is not null)
        {
            await extending.ConfigureAwait(false);
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            // One extension at a time: a tick that finds the previous one still running skips.
            if (!_stopped && _extending is not { IsCompleted: false })
            {
                _extending = ExtendAsync();
            }
        }
    }

    private async Task ExtendAsync()
    {
        // Every lease's extension is sent before any reply is awaited: one round trip for a whole batch.
        var extensions = new Task?[_leases.Length];
        for (var i = 0; i < _leases.Length; i++)
        {
            extensions[i] = _lost[i] ? null : ExtendOneAsync(i);
        }

        foreach (var extension in extensions)
        {
            if (extension is not null)
            {
                await extension.ConfigureAwait(false);
            }
        }

        if (Array.TrueForAll(_lost, lost => lost))
        {
            Stop();
        }
    }

    private async Task ExtendOneAsync(int i)
    {
        var (lease, key) = _leases[i];
        try
        {
            if (!await lease.ExtendAsync(_leaseTtl).ConfigureAwait(false))
            {
                // Lost: the fenced write will refuse to write, so the new holder's value stands.
                Log.LeaseLost(_logger, key);
                _lost[i] = true;
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ReleaseFailed(_logger, key, ex);
            _lost[i] = true;
        }
    }

    private void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
        }
    }
}
