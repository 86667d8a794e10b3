using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// Finds the existing keys a <c>POST /warm</c> glob names: SCAN MATCH on every primary, keeping the keys a loader owns
/// (never the worker's own keys). It stops as soon as there are more than <see cref="HttpOptions.MaxKeysPerRequest"/>:
/// the request is then refused before any key is warmed.
/// </summary>
internal sealed class WarmPatternScanner(IConnectionMultiplexer redis, LoaderCatalog catalog, IOptions<CacheWarmerOptions> options)
{
    private const int PageSize = 1000;

    public async Task<List<LoaderMatch>?> ScanAsync(string glob, WarmRequestErrors errors, CancellationToken cancellationToken)
    {
        var (redisOptions, max) = (options.Value.Redis, options.Value.Http.MaxKeysPerRequest);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var matches = new List<LoaderMatch>();
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var redisKey in server.KeysAsync(redisOptions.Database, glob, PageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var key = (string?)redisKey;
                if (key is null || key.StartsWith(redisOptions.KeyPrefix, StringComparison.Ordinal) || catalog.Match(key) is not { } match || !seen.Add(key))
                {
                    continue;
                }

                matches.Add(match);
                if (matches.Count > max)
                {
                    errors.Add("pattern", $"\"{glob}\" matches more than CacheWarmer:Http:MaxKeysPerRequest ({max}) loader keys: narrow it, such as \"{glob.TrimEnd('*')}1*\"");
                    return null;
                }
            }
        }

        return matches;
    }
}
