using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>
/// A worker with its API for the tests of one class: a PostgreSQL catalog that counts loads, and three loaders:
/// <c>product:{id}</c>, the more specific <c>product:{id}:reviews</c>, and <c>price:{region}:{id}</c> with two
/// parameters. Each class gets its own key prefix, database and host.
/// </summary>
public abstract class ApiWorker(RedisFixture redis, PostgresFixture postgres, string name) : IAsyncLifetime
{
    public const int Products = 50;

    private WorkerHost? _host;
    private HttpClient? _client;

    internal WorkerConfig Config { get; private set; } = null!;

    internal WorkerHost Host => _host!;

    public HttpClient Client => _client!;

    public PostgresCatalog Catalog { get; private set; } = null!;

    public RedisFixture Redis => redis;

    public async ValueTask InitializeAsync()
    {
        Catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync(name), Products, TestContext.Current.CancellationToken);
        Config = WithLoaders(new WorkerConfig(redis.Configuration, RedisFixture.UniquePrefix(name)).WithPostgres(Catalog.ConnectionString));
        Configure(Config);
        _host = await WorkerHost.StartAsync(Config);
        _client = _host.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    internal static WorkerConfig WithLoaders(WorkerConfig config) => config
        .With("CacheWarmer:Loaders:reviews:Key", config.Prefix + "product:{id}:reviews")
        .With("CacheWarmer:Loaders:reviews:Source", "catalog")
        .With("CacheWarmer:Loaders:reviews:Query", "SELECT id, name FROM load_product(@id)")
        .With("CacheWarmer:Loaders:reviews:Ttl", "00:05:00")
        .With("CacheWarmer:Loaders:price:Key", config.Prefix + "price:{region}:{id}")
        .With("CacheWarmer:Loaders:price:Source", "catalog")
        .With("CacheWarmer:Loaders:price:Query", "SELECT id, price FROM load_product(@id) WHERE @region <> ''")
        .With("CacheWarmer:Loaders:price:Ttl", "00:05:00");

    internal virtual void Configure(WorkerConfig config)
    {
    }
}
