using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>What one Redis node says of itself, read on a connection to that node alone.</summary>
internal static class NodeState
{
    /// <summary>Its <c>notify-keyspace-events</c> flags.</summary>
    public static async Task<string> FlagsAsync(ConnectionMultiplexer connection) =>
        (await connection.GetServers()[0].ConfigGetAsync("notify-keyspace-events")).FirstOrDefault().Value ?? string.Empty;

    /// <summary>Its <c>INFO replication</c> text.</summary>
    public static async Task<string> ReplicationAsync(ConnectionMultiplexer connection) =>
        (string?)await connection.GetServers()[0].ExecuteAsync("INFO", "replication") ?? string.Empty;
}
