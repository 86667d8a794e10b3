namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>The <c>notify-keyspace-events</c> flags the tracker needs, and how to merge them into a server's.</summary>
public static class KeyspaceFlags
{
    /// <summary>Keyspace channel (K), generic commands (g), string commands ($), expired (x), evicted (e).</summary>
    public const string Required = "Kg$xe";

    /// <summary>The flags missing from <paramref name="current"/>; empty when it already has them all.</summary>
    public static string Missing(string current)
    {
        // 'A' is an alias of "g$lshzxetd" (all event classes); it covers everything but the channel flag K.
        var covered = current.Contains('A', StringComparison.Ordinal) ? current + "g$lshzxetd" : current;
        return string.Concat(Required.Where(flag => !covered.Contains(flag, StringComparison.Ordinal)));
    }
}
