namespace CacheWarmer.TestUtils;

/// <summary>One Redis Cluster for a test class (<c>IClassFixture&lt;RedisClusterFixture&gt;</c>); tests work under their own prefixes.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisCluster? _cluster;

    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("The Redis Cluster fixture has not been initialized.");

    public async ValueTask InitializeAsync() =>
        _cluster = await RedisCluster.StartAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
