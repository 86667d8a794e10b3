using System.Diagnostics;

namespace CacheWarmer.TestUtils;

/// <summary>Waits on a condition with a deadline instead of sleeping for a guessed time.</summary>
public static class Eventually
{
    private const int PollMilliseconds = 20;

    /// <summary>
    /// Polls <paramref name="condition"/> until it is true; throws <see cref="TimeoutException"/> naming
    /// <paramref name="because"/> when <paramref name="timeout"/> passes. A condition that throws counts as false
    /// (Redis may be restarting); the last exception becomes the inner exception.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var cancellationToken = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }

                last = null;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = e;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.###} s: {because}", last);
            }

            await Task.Delay(PollMilliseconds, cancellationToken).ConfigureAwait(false);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, because);
    }
}
