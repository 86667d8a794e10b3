using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.WarmRequests;

/// <summary>
/// The pace of every warm on this replica together: at most <see cref="WarmOptions.MaxConcurrency"/> keys at once and
/// <see cref="WarmOptions.MaxPerSecond"/> started per second, however many jobs run. Each key starts at a random point
/// of its slot, so replicas warming the same keys do not move in lockstep. A warm must never become the stampede it is
/// meant to prevent.
/// </summary>
internal sealed class WarmPacer : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private DateTimeOffset _next;

    public WarmPacer(IOptions<HttpOptions> http, TimeProvider time)
        : this(http.Value.Warm.MaxPerSecond, http.Value.Warm.MaxConcurrency, time)
    {
    }

    /// <summary>A pacer of its own, such as one firing of a scheduled warmup.</summary>
    public WarmPacer(double maxPerSecond, int maxConcurrency, TimeProvider time)
    {
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        _interval = TimeSpan.FromSeconds(1 / maxPerSecond);
        _time = time;
    }

    /// <summary>Waits for a free slot and the key's turn; call <see cref="Exit"/> when the key is done.</summary>
    public async Task EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DateTimeOffset turn;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                turn = _next > now ? _next : now;
                _next = turn + _interval;
            }

            var wait = turn - _time.GetUtcNow() + Jitter.UpTo(_interval);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Exit() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
