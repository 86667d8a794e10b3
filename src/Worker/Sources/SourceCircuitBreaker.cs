using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;

namespace CacheWarmer.Worker.Sources;

/// <summary>
/// One breaker per source. After <see cref="CircuitBreakerOptions.FailureThreshold"/> consecutive failures it opens
/// and refuses loads for a jittered break, so a database that is down is not hammered and replicas do not all probe it
/// at the same instant when it comes back; then one probe load decides whether it closes again.
/// </summary>
internal sealed class SourceCircuitBreaker(CircuitBreakerOptions options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset _openUntil;
    private bool _probing;

    /// <summary>
    /// True from the failure that opened the breaker until a load succeeds: through each break, and between breaks
    /// while the source waits for its probe, since nothing has shown it is back (readiness must not turn ready then).
    /// </summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _failures >= options.FailureThreshold;
            }
        }
    }

    /// <summary>True when a load may run now; false while the breaker is open.</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_failures < options.FailureThreshold)
            {
                return true;
            }

            if (_probing || time.GetUtcNow() < _openUntil)
            {
                return false;
            }

            _probing = true;
            return true;
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            _failures = 0;
            _probing = false;
        }
    }

    public void RecordFailure()
    {
        lock (_gate)
        {
            _failures++;
            _probing = false;
            if (_failures >= options.FailureThreshold)
            {
                // Up to half again as long, so replicas do not probe the database in lockstep.
                _openUntil = time.GetUtcNow() + options.BreakDuration + Jitter.UpTo(options.BreakDuration / 2);
            }
        }
    }
}
