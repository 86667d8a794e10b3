namespace CacheWarmer.TestUtils;

/// <summary>One MariaDB server for a test class (<c>IClassFixture&lt;MariaDbFixture&gt;</c>); each test makes a database of its own.</summary>
public sealed class MariaDbFixture : IAsyncLifetime
{
    private MariaDbServer? _server;

    public MariaDbServer Server => _server ?? throw new InvalidOperationException("The MariaDB fixture has not been initialized.");

    public async ValueTask InitializeAsync() =>
        _server = await MariaDbServer.StartAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
