using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// Cache-aside behind a Redis lock, as the stampede-prevention quick reference describes: on a miss,
/// <c>SET lock NX PX LockTimeout</c>; the winner double-checks the cache, loads, writes and releases (compare-and-delete);
/// the others poll the cache with exponential backoff (BaseDelay x 2^retry, jittered +-25 %) for MaxRetries. A reader
/// that runs out of retries counts as a timeout and then queries the backend itself (and writes the value): a user
/// request is served late rather than failed, and the extra query is visible in the database's count.
/// </summary>
internal sealed class LockStrategy(StrategyContext context) : IReadStrategy
{
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(100);
    public const int MaxRetries = 5;

    private const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private readonly IDatabase _db = context.Database;

    public async Task<ReadOutcome> ReadAsync(int id, CancellationToken cancellationToken)
    {
        var key = context.Spec.DataKey(id);
        var cached = await _db.StringGetAsync(key);
        if (cached.HasValue)
        {
            return new ReadOutcome(cached.ToString(), Miss: false);
        }

        var lockKey = (RedisKey)(context.Spec.Namespace + "lock:product:" + id);
        var token = Guid.NewGuid().ToString("N");
        if (await _db.StringSetAsync(lockKey, token, LockTimeout, When.NotExists))
        {
            try
            {
                // Double-check: the value may have landed between our GET and the lock.
                cached = await _db.StringGetAsync(key);
                return cached.HasValue
                    ? new ReadOutcome(cached.ToString(), Miss: true)
                    : new ReadOutcome(await LoadAndSetAsync(id, key, cancellationToken), Miss: true);
            }
            finally
            {
                await _db.ScriptEvaluateAsync(ReleaseScript, [lockKey], [token]);
            }
        }

        for (var retry = 0; retry < MaxRetries; retry++)
        {
            var jitter = 0.75 + (Random.Shared.NextDouble() * 0.5);
            await Task.Delay(BaseDelay * Math.Pow(2, retry) * jitter, cancellationToken);
            cached = await _db.StringGetAsync(key);
            if (cached.HasValue)
            {
                return new ReadOutcome(cached.ToString(), Miss: true);
            }
        }

        return new ReadOutcome(await LoadAndSetAsync(id, key, cancellationToken), Miss: true, TimedOut: true);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string?> LoadAndSetAsync(int id, RedisKey key, CancellationToken cancellationToken)
    {
        var value = await context.Backend.LoadAsync(id, cancellationToken);
        if (value is not null)
        {
            await _db.StringSetAsync(key, value, context.Spec.Ttl);
        }

        return value;
    }
}
