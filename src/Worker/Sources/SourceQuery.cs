using CacheWarmer.Contracts.Values;
using CacheWarmer.Worker.Loaders;
using Dapper;

namespace CacheWarmer.Worker.Sources;

/// <summary>Runs a loader's query for one key and shapes the result into the bytes to cache.</summary>
internal sealed class SourceQuery(SourceConnections connections)
{
    /// <summary>The value to write, or null when the query found nothing (and nothing is to be written).</summary>
    public async Task<byte[]?> LoadAsync(LoaderMatch match, CancellationToken cancellationToken)
    {
        var loader = match.Loader;
        var parameters = new DynamicParameters();
        for (var i = 0; i < loader.Pattern.Parameters.Count; i++)
        {
            parameters.Add(loader.Pattern.Parameters[i], new KeyParameter(match.Values[i]));
        }

        await using var connection = await connections.OpenAsync(loader.Source, cancellationToken).ConfigureAwait(false);
        var command = new CommandDefinition(loader.Query, parameters, cancellationToken: cancellationToken);
        using var reader = await connection.ExecuteReaderAsync(command).ConfigureAwait(false);
        return CacheValueWriter.Write(reader, loader.Shape);
    }
}
