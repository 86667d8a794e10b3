using System.Data.Common;
using CacheWarmer.Worker.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Npgsql;

namespace CacheWarmer.Worker.Sources;

/// <summary>Opens connections to the configured sources; one pooled data source per source, made once.</summary>
internal sealed class SourceConnections : IAsyncDisposable
{
    private readonly Dictionary<string, DbDataSource> _sources = new(StringComparer.Ordinal);

    public SourceConnections(IOptions<SourcesOptions> sources)
    {
        foreach (var (name, source) in sources.Value)
        {
            EnumSetting.TryParse(source.Provider, out SourceProvider provider);
            _sources[name] = provider switch
            {
                SourceProvider.Postgres => CreatePostgres(source.ConnectionString),
                SourceProvider.MySql => new MySqlDataSource(source.ConnectionString),
                _ => new SqliteDataSource(source.ConnectionString),
            };
        }
    }

    /// <summary>
    /// A PostgreSQL source's pool does not reset a connection's session when the worker returns it (<c>No Reset On
    /// Close</c>), unless the connection string says otherwise: a load is one read query, and the reset (DISCARD ALL,
    /// sent with the next query) doubled the statements the server ran per load and cost 20-30 % of its CPU time (see
    /// docs/decisions.md).
    /// </summary>
    internal static NpgsqlDataSource CreatePostgres(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!Names(connectionString, "noresetonclose"))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        return builder.Build();
    }

    // Whether the connection string sets the keyword, however it is spelled ("No Reset On Close", "NoResetOnClose").
    private static bool Names(string connectionString, string keyword)
    {
        var parsed = new DbConnectionStringBuilder { ConnectionString = connectionString };
        foreach (string key in parsed.Keys)
        {
            if (string.Equals(key.Replace(" ", "", StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public async Task<DbConnection> OpenAsync(string source, CancellationToken cancellationToken)
    {
        var connection = _sources[source].CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
    }
}
