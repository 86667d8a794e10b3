using System.Data.Common;
using CacheWarmer.Worker.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CacheWarmer.Worker.Sources;

/// <summary>Opens connections to the configured sources; one pooled data source per source, made once.</summary>
internal sealed class SourceConnections : IAsyncDisposable
{
    private readonly Dictionary<string, DbDataSource> _sources = new(StringComparer.Ordinal);

    public SourceConnections(IOptions<CacheWarmerOptions> options)
    {
        foreach (var (name, source) in options.Value.Sources)
        {
            SourceProviders.TryParse(source.Provider, out var provider);
            _sources[name] = provider switch
            {
                SourceProvider.Postgres => NpgsqlDataSource.Create(source.ConnectionString),
                _ => new SqliteDataSource(source.ConnectionString),
            };
        }
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
