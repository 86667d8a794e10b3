using DotNet.Testcontainers.Builders;
using Testcontainers.Redis;

namespace CacheWarmer.TestUtils.Internal;

/// <summary>Redis in Docker via Testcontainers, bound to a fixed host port so a restart keeps the address.</summary>
internal sealed class RedisContainerBackend : IRedisBackend
{
    private const string Image = "redis:7-alpine";
    private const int ContainerPort = 6379;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    // Probing for Docker costs time; once it is known to be missing, later servers skip straight to the process.
    private static volatile bool s_dockerMissing;

    private readonly RedisContainer _container;
    private readonly int _port;

    private RedisContainerBackend(RedisContainer container, int port)
    {
        _container = container;
        _port = port;
    }

    public string Host => _container.Hostname;

    /// <summary>A started container, or null (with the reason) when no Docker engine answers.</summary>
    public static async Task<(RedisContainerBackend? Backend, Exception? Error)> TryStartAsync(int port, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (s_dockerMissing)
        {
            return (null, null);
        }

        RedisContainer container;
        try
        {
            container = new RedisBuilder(Image)
                .WithPortBinding(port, ContainerPort)
                // Without save points the data is gone after a stop, as after a real restart of an empty Redis.
                .WithCommand(["--save", string.Empty, "--appendonly", "no", .. arguments])
                .Build();
        }
        catch (DockerUnavailableException e)
        {
            s_dockerMissing = true;
            return (null, e);
        }

        var backend = new RedisContainerBackend(container, port);
        try
        {
            await backend.StartAsync(cancellationToken).ConfigureAwait(false);
            return (backend, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            return (null, e);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        await _container.StartAsync(timeout.Token).ConfigureAwait(false);
        await RedisPing.WaitAsync(Host, _port, process: null, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync() => _container.StopAsync();

    public ValueTask DisposeAsync() => _container.DisposeAsync();
}
