using System.Threading.Channels;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The end of every refresh the dispatcher ran, in the order they ended, for the one reader that plans the next
/// cycle (<c>ManagedKeys</c>): results flow out of the refresh room as data, not as calls into the room that plans.
/// </summary>
internal sealed class RefreshResults
{
    private readonly Channel<RefreshResult> _results = Channel.CreateUnbounded<RefreshResult>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The results, for their one reader.</summary>
    public ChannelReader<RefreshResult> Reader => _results.Reader;

    /// <summary>Hands one result on; never blocks.</summary>
    public void Report(RefreshResult result) => _results.Writer.TryWrite(result);
}
