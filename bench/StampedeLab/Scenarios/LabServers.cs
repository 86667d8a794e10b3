using CacheWarmer.TestUtils;
using Npgsql;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>The private Redis and PostgreSQL of one lab run (tests/TestUtils), the counting catalog and an admin connection.</summary>
internal sealed class LabServers : IAsyncDisposable
{
    private LabServers(RedisServer redis, PostgresServer postgres, PostgresCatalog catalog, ConnectionMultiplexer admin)
    {
        Redis = redis;
        Postgres = postgres;
        Catalog = catalog;
        Admin = admin;
    }

    public RedisServer Redis { get; }

    public PostgresServer Postgres { get; }

    public PostgresCatalog Catalog { get; }

    public ConnectionMultiplexer Admin { get; }

    public static async Task<LabServers> StartAsync(int products, CancellationToken cancellationToken)
    {
        var redisStart = RedisServer.StartAsync(cancellationToken);
        var postgresStart = PostgresServer.StartAsync(cancellationToken);
        try
        {
            await Task.WhenAll(redisStart, postgresStart);
            var catalog = await PostgresCatalog.CreateAsync(await postgresStart.Result.CreateDatabaseAsync("stampede_lab", cancellationToken), products, cancellationToken);
            return new LabServers(redisStart.Result, postgresStart.Result, catalog, await redisStart.Result.ConnectAsync());
        }
        catch
        {
            if (redisStart.IsCompletedSuccessfully)
            {
                await redisStart.Result.DisposeAsync();
            }

            if (postgresStart.IsCompletedSuccessfully)
            {
                await postgresStart.Result.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// The connection string of one application name. PostgreSQL here allows 200 connections, so reader processes
    /// share 150 of them (as an app's replicas share a database's connection limit).
    /// </summary>
    public string ConnectionString(string applicationName, int processes) => new NpgsqlConnectionStringBuilder(Catalog.ConnectionString)
    {
        ApplicationName = applicationName,
        MaxPoolSize = Math.Clamp(150 / processes, 2, 100),
        Timeout = 30,
    }.ConnectionString;

    /// <summary>Database loads of one strategy (its connections are named lab-STRATEGY-...), in order.</summary>
    public async Task<List<CatalogLoad>> LoadsOfAsync(string strategy)
    {
        var loads = await Catalog.LoadsByReplicaAsync();
        return loads.Values.SelectMany(l => l)
            .Where(l => IsOf(strategy, l.Replica))
            .OrderBy(l => l.At)
            .ToList();
    }

    public static string AppName(string strategy, string who) => $"lab-{strategy}-{who}";

    /// <summary>
    /// Whether a connection's application name is one of <paramref name="strategy"/>'s (its worker, or reader process
    /// pN): exactly, since "lab-fusioncache-" also starts the names of "fusioncache-full".
    /// </summary>
    public static bool IsOf(string strategy, string applicationName)
    {
        var prefix = AppName(strategy, string.Empty);
        if (!applicationName.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var who = applicationName.AsSpan(prefix.Length);
        return who is "worker" || (who is ['p', _, ..] && int.TryParse(who[1..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _));
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
