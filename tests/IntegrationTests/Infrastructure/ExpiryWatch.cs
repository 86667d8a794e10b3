using System.Collections.Concurrent;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// Records every key under a prefix that Redis expires, from the server's own <c>expired</c> keyspace events, on a
/// connection of its own so the worker's behaviour cannot hide them.
/// </summary>
internal sealed class ExpiryWatch : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;
    private readonly ConcurrentQueue<string> _expired = new();

    private ExpiryWatch(ConnectionMultiplexer connection) => _connection = connection;

    public IReadOnlyCollection<string> Expired => _expired;

    public static async Task<ExpiryWatch> StartAsync(string configuration, string prefix)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AllowAdmin = true;
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        await EnableAllNotificationsAsync(connection);
        var watch = new ExpiryWatch(connection);
        await connection.GetSubscriber().SubscribeAsync(RedisChannel.KeyEvent(KeyNotificationType.Expired, 0), (_, key) =>
        {
            var text = (string?)key;
            if (text is not null && text.StartsWith(prefix, StringComparison.Ordinal))
            {
                watch._expired.Enqueue(text);
            }
        });
        return watch;
    }

    /// <summary>
    /// Turns every notification on. Each test calls this before it starts workers, so no worker ever reads the flags
    /// half-set by a concurrent test and writes back a smaller set.
    /// </summary>
    public static async Task EnableAllNotificationsAsync(IConnectionMultiplexer connection)
    {
        foreach (var server in connection.GetServers())
        {
            await server.ConfigSetAsync("notify-keyspace-events", "KEA");
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
