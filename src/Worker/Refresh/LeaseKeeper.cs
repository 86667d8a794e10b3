using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Extends a lease at a third of its TTL while its load runs. Nearly every load ends before the first extension is
/// due, so all a load pays for it then is one timer: no task, no cancellation source, no exception (the loop of
/// <c>Task.Delay</c> it replaces was in about 5 % of the worker's refresh samples; see docs/benchmarks.md).
/// </summary>
internal sealed class LeaseKeeper
{
    private readonly RefreshLease _lease;
    private readonly string _key;
    private readonly TimeSpan _leaseTtl;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private Task? _extending;
    private bool _stopped;

    public LeaseKeeper(RefreshLease lease, string key, TimeSpan leaseTtl, TimeProvider time, ILogger logger)
    {
        _lease = lease;
        _key = key;
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
        try
        {
            if (!await _lease.ExtendAsync(_leaseTtl).ConfigureAwait(false))
            {
                // Lost: the fenced write will refuse to write, so the new holder's value stands.
                Log.LeaseLost(_logger, _key);
                Stop();
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ReleaseFailed(_logger, _key, ex);
            Stop();
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
