using StackExchange.Redis;

namespace CacheWarmer.TestUtils;

/// <summary>
/// One Redis server per test assembly: declare <c>[assembly: AssemblyFixture(typeof(RedisFixture))]</c> and take it
/// in a test class constructor. Tests share the server, so each works under its own <see cref="UniquePrefix"/>; a test
/// that restarts or flushes Redis starts its own <see cref="RedisServer"/> instead.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private static int s_counter;

    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    public RedisServer Server => _server ?? throw NotStarted();

    public string Configuration => Server.Configuration;

    /// <summary>A connection shared by the assembly's tests; do not dispose it.</summary>
    public ConnectionMultiplexer Connection => _connection ?? throw NotStarted();

    /// <summary>A key prefix no other test in this process gets, such as "t7-Lease_is_released:".</summary>
    public static string UniquePrefix(string name) => $"t{Interlocked.Increment(ref s_counter)}-{name}:";

    /// <summary>A unique key prefix named after the calling test method.</summary>
    public string Prefix([System.Runtime.CompilerServices.CallerMemberName] string name = "") => UniquePrefix(name);

    public async ValueTask InitializeAsync()
    {
        _server = await RedisServer.StartAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
        _connection = await _server.ConnectAsync().ConfigureAwait(false);

        // Every notification on from the start: a worker under test that adds the flags it needs then finds them all,
        // and never writes back a smaller set that a concurrent test's watcher relies on.
        foreach (var server in _connection.GetServers())
        {
            await server.ConfigSetAsync("notify-keyspace-events", "KEA").ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static InvalidOperationException NotStarted() => new("The Redis fixture has not been initialized.");
}
