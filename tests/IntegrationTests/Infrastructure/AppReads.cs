namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>An app's steady reads, as the cache-library interop tests run them.</summary>
internal static class AppReads
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Reads every 50 ms for the whole of <paramref name="duration"/> (so every read counts toward the app's factory
    /// calls) and returns whether any read was <paramref name="awaited"/>.
    /// </summary>
    public static async Task<bool> ReadForAsync(TimeSpan duration, Func<Task<bool>> awaited)
    {
        var seen = false;
        var until = DateTimeOffset.UtcNow + duration;
        while (DateTimeOffset.UtcNow < until)
        {
            seen |= await awaited();
            await Task.Delay(Interval, TestContext.Current.CancellationToken);
        }

        return seen;
    }
}
