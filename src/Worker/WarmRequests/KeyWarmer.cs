using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Keys;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.WarmRequests;

/// <summary>
/// Warms one key through the same <see cref="Refresher"/> as the scheduled refreshes: single flight, the lease, the
/// re-check and the fenced write. It asks for the key with no planned expiry, so a key that is there is found fresh and
/// left as it is, and a missing key is loaded by exactly one replica: the others find the lease busy, wait for it, and
/// then find the key fresh. The key is then pinned as managed for <see cref="HttpOptions.WarmPin"/>, or until the
/// time the caller gives (a scheduled warmup pins through its spike window).
/// </summary>
internal sealed class KeyWarmer(
    Refresher refresher,
    ManagedKeys managed,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    IOptions<RefreshOptions> refresh,
    IOptions<HttpOptions> http)
{
    private static readonly TimeSpan MinBusyWait = TimeSpan.FromMilliseconds(50);

    private readonly RefreshOptions _refresh = refresh.Value;
    private readonly TimeSpan _pin = http.Value.WarmPin;

    public async Task<WarmOutcome> WarmAsync(LoaderMatch match, string trigger, CancellationToken cancellationToken, DateTimeOffset? pinUntil = null)
    {
        // A busy lease is another replica loading this key; it finishes within its load timeout, or its lease runs out.
        var giveUpAt = time.GetUtcNow() + _refresh.LeaseTtl + _refresh.LoadTimeout;
        WarmOutcome outcome;
        while (true)
        {
            var result = await refresher.RefreshAsync(match.Key, plannedExpiry: null, match: match).ConfigureAwait(false);
            if (WarmOutcomes.Of(result.Outcome) is { } finished)
            {
                outcome = finished;
                break;
            }

            var now = time.GetUtcNow();
            if (now >= giveUpAt)
            {
                outcome = WarmOutcome.Failed;
                break;
            }

            var wait = (result.RetryAt ?? now) - now;
            wait = wait < MinBusyWait ? MinBusyWait : wait > giveUpAt - now ? giveUpAt - now : wait;
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }

        // A failed key is pinned too: the refresh engine keeps retrying it with backoff while the pin lasts.
        var until = pinUntil ?? (_pin > TimeSpan.Zero ? time.GetUtcNow() + _pin : null);
        if (until is { } pin && outcome is WarmOutcome.Loaded or WarmOutcome.AlreadyWarm or WarmOutcome.Failed)
        {
            managed.Pin(match.Key, pin);
        }

        metrics.WarmKey(trigger, WarmOutcomes.Label(outcome));
        return outcome;
    }
}
