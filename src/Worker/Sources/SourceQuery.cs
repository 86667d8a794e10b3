using CacheWarmer.Contracts.Values;
using CacheWarmer.Worker.Loaders;

namespace CacheWarmer.Worker.Sources;

/// <summary>Runs a loader's query for one key and shapes the result into the bytes to cache.</summary>
internal sealed class SourceQuery(SourceConnections connections)
{
    /// <summary>The value to write, or null when the query found nothing (and nothing is to be written).</summary>
    public async Task<byte[]?> LoadAsync(LoaderMatch match, CancellationToken cancellationToken)
    {
        var loader = match.Loader;
        await using var connection = await connections.OpenAsync(loader.Source, cancellationToken).ConfigureAwait(false);
        // A plain command, not Dapper's: a load is one query whose reader is shaped by CacheValueWriter, and Dapper's
        // parameter bag and command cache per load were about a tenth of the worker's CPU per refresh (ThroughputBench,
        // docs/decisions.md). The key's values still reach the SQL only as parameters (KeyParameter).
        await using var command = connection.CreateCommand();
        command.CommandText = loader.Query;
        for (var i = 0; i < loader.Pattern.Parameters.Count; i++)
        {
            KeyParameter.Add(command, loader.Pattern.Parameters[i], match.Values[i]);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return CacheValueWriter.Write(reader, loader.Shape);
    }
}
