using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// Finds the existing keys a <c>POST /warm</c> glob names: SCAN MATCH on every primary, keeping the keys a loader owns
/// (never the worker's own keys). It stops as soon as there are more than <see cref="HttpOptions.MaxKeysPerRequest"/>:
/// the request is then refused before any key is warmed. Each scan walks the whole keyspace of every primary, however
/// few keys match, so at most <see cref="HttpOptions.MaxConcurrentScans"/> run at once (<see cref="TryTakeSlot"/>).
/// </summary>
internal sealed class WarmPatternScanner(IConnectionMultiplexer redis, LoaderCatalog catalog, IOptions<HttpOptions> http, IOptions<RedisOptions> redisSection)
{
    private const int PageSize = 1000;

    private int _running;

    /// <summary>How many scans may run at once.</summary>
    public int MaxConcurrent { get; } = http.Value.MaxConcurrentScans;

    /// <summary>One of the <see cref="MaxConcurrent"/> slots, or null when every one is taken; dispose it once the scan ends.</summary>
    public IDisposable? TryTakeSlot()
    {
        if (Interlocked.Increment(ref _running) <= MaxConcurrent)
        {
            return new Slot(this);
        }

        Interlocked.Decrement(ref _running);
        return null;
    }

    public async Task<List<LoaderMatch>?> ScanAsync(string glob, WarmRequestErrors errors, CancellationToken cancellationToken)
    {
        var (redisOptions, max) = (redisSection.Value, http.Value.MaxKeysPerRequest);
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

    private sealed class Slot(WarmPatternScanner scanner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref scanner._running);
            }
        }
    }
}
