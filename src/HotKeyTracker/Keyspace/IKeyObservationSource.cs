using System.Threading.Channels;

namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>The stream of what the tracker learns about loader keys; read by one consumer.</summary>
public interface IKeyObservationSource
{
    /// <summary>Observations in the order their TTLs were read.</summary>
    ChannelReader<KeyObservation> Observations { get; }

    /// <summary>Asks for a SCAN of every loader pattern; returns at once.</summary>
    void RequestResync(string reason);
}
