namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>The <c>notify-keyspace-events</c> flags the tracker needs, and how to merge them into a server's.</summary>
public static class KeyspaceFlags
{
    /// <summary>Keyspace channel (K), generic commands (g), string commands ($), expired (x), evicted (e).</summary>
    public const string Required = "Kg$xe";

    /// <summary>Hash commands (h): the writes of keys kept as hashes, such as a distributed cache library's entries.</summary>
    public const string HashEvents = "h";

    /// <summary>The flags of <see cref="Required"/> missing from <paramref name="current"/>; empty when it has them all.</summary>
    public static string Missing(string current) => Missing(current, Required);

    /// <summary>The flags of <paramref name="required"/> missing from <paramref name="current"/>; empty when it has them all.</summary>
    public static string Missing(string current, string required)
    {
        // 'A' is an alias of "g$lshzxetd" (all event classes); it covers everything but the channel flag K.
        var covered = current.Contains('A', StringComparison.Ordinal) ? current + "g$lshzxetd" : current;
        return string.Concat(required.Where(flag => !covered.Contains(flag, StringComparison.Ordinal)));
    }
}
