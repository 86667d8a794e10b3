using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>What one Redis node says of itself, read on a connection to that node alone.</summary>
internal static class NodeState
{
    /// <summary>Its <c>notify-keyspace-events</c> flags.</summary>
    public static Task<string> FlagsAsync(ConnectionMultiplexer connection) => FlagsAsync(connection.GetServers()[0]);

    /// <summary>The <c>notify-keyspace-events</c> flags of one node (of a cluster, say).</summary>
    public static async Task<string> FlagsAsync(IServer node) =>
        (await node.ConfigGetAsync("notify-keyspace-events")).FirstOrDefault().Value ?? string.Empty;

    /// <summary>Its <c>INFO replication</c> text.</summary>
    public static Task<string> ReplicationAsync(ConnectionMultiplexer connection) => ReplicationAsync(connection.GetServers()[0]);

    /// <summary>The <c>INFO replication</c> text of one node.</summary>
    public static async Task<string> ReplicationAsync(IServer node) =>
        (string?)await node.ExecuteAsync("INFO", "replication") ?? string.Empty;
}
