namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// Instants kept as UTC ticks in state held per managed key: 8 bytes instead of a <see cref="DateTimeOffset"/>'s 16
/// (24 when nullable). Zero stands for none: no planned instant is the year 1.
/// </summary>
internal static class UtcTicks
{
    public static long Of(DateTimeOffset? at) => at?.UtcTicks ?? 0;

    public static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);

    public static DateTimeOffset? AtOrNull(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}
