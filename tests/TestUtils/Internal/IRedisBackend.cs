namespace CacheWarmer.TestUtils.Internal;

/// <summary>Where a <see cref="RedisServer"/> runs: a Docker container or a local process.</summary>
internal interface IRedisBackend : IAsyncDisposable
{
    string Host { get; }

    Task StartAsync(CancellationToken cancellationToken);

    Task StopAsync();
}
