using CacheWarmer.TestUtils.Internal;
using StackExchange.Redis;

namespace CacheWarmer.TestUtils;

/// <summary>
/// One real Redis 7 server on a free loopback port: a Docker container when an engine answers, else a local
/// <c>redis-server</c> process. Never skips: without either it throws, saying how to get Redis.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string MissingMessage =
        "Redis is required for this test: install it with `apt-get install -y redis-server` (or run scripts/test.sh, " +
        "which installs it), or start a Docker engine.";

    private readonly IRedisBackend _backend;

    private RedisServer(IRedisBackend backend, int port)
    {
        _backend = backend;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string, "127.0.0.1:PORT".</summary>
    public string Configuration => $"{_backend.Host}:{Port}";

    public static Task<RedisServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync([], cancellationToken);

    /// <summary>
    /// A server started with extra <paramref name="arguments"/> after the fixture's own, such as
    /// <c>["--rename-command", "CONFIG", ""]</c> (a managed Redis without CONFIG) or <c>["--replicaof", "127.0.0.1", "6379"]</c>.
    /// </summary>
    public static async Task<RedisServer> StartAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var port = FreePort.Next();
        var (container, dockerError) = await RedisContainerBackend.TryStartAsync(port, arguments, cancellationToken).ConfigureAwait(false);
        if (container is not null)
        {
            return new RedisServer(container, port);
        }

        if (RedisProcessBackend.FindExecutable() is not { } executable)
        {
            throw new InvalidOperationException(MissingMessage, dockerError);
        }

        // Another process may take the free port before redis-server binds it; then try another one.
        for (var attempt = 1; ; attempt++)
        {
            var process = new RedisProcessBackend(executable, port, arguments);
            try
            {
                await process.StartAsync(cancellationToken).ConfigureAwait(false);
                return new RedisServer(process, port);
            }
            catch (Exception e)
            {
                await process.DisposeAsync().ConfigureAwait(false);
                // RedisPing throws InvalidOperationException when redis-server exited at start (e.g. port taken).
                if (e is not InvalidOperationException || attempt == 3)
                {
                    throw;
                }

                port = FreePort.Next();
            }
        }
    }

    /// <summary>Stops the server abruptly, as a crash would; its data is lost.</summary>
    public Task StopAsync() => _backend.StopAsync();

    /// <summary>Starts the server again on the same port, empty, and waits until it answers PING.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) => _backend.StartAsync(cancellationToken);

    /// <summary>
    /// A new connection that survives restarts (AbortOnConnectFail off, retrying every 100 ms rather than backing off
    /// for seconds) and may run admin commands.
    /// </summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        options.AbortOnConnectFail = false;
        options.AllowAdmin = true;
        options.ReconnectRetryPolicy = new LinearRetry(100);
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _backend.DisposeAsync();
}
