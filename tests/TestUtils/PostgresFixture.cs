namespace CacheWarmer.TestUtils;

/// <summary>
/// One PostgreSQL server per test assembly: declare <c>[assembly: AssemblyFixture(typeof(PostgresFixture))]</c>; each
/// test class calls <see cref="CreateDatabaseAsync"/> for a database of its own.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture has not been initialized.");

    /// <summary>Npgsql connection string of the admin database.</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <inheritdoc cref="PostgresServer.CreateDatabaseAsync"/>
    public Task<string> CreateDatabaseAsync(string name) =>
        Server.CreateDatabaseAsync(name, TestContext.Current.CancellationToken);

    public async ValueTask InitializeAsync() =>
        _server = await PostgresServer.StartAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
