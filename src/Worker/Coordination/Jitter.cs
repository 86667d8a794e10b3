namespace CacheWarmer.Worker.Coordination;

/// <summary>
/// Random spreads of waits, so replicas (and keys) that saw the same event at the same moment do not act in lockstep:
/// retries, re-checks, warms of a mass expiry, written TTLs. The one place the worker draws them.
/// </summary>
internal static class Jitter
{
    /// <summary>A time from zero up to <paramref name="max"/>; zero when <paramref name="max"/> is not positive.</summary>
    public static TimeSpan UpTo(TimeSpan max) =>
        max <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * max.Ticks));

    /// <summary><paramref name="span"/> scaled by a factor from 0.5 to 1.5: the same wait on average, spread by half.</summary>
    public static TimeSpan Around(TimeSpan span) => span * (0.5 + Random.Shared.NextDouble());
}
