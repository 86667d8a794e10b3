using CacheWarmer.Contracts.Sampling;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// Plain cache-aside (strategies "none" and "cachewarmer"): GET; on a miss query the backend and SET with the TTL.
/// Every reader that misses runs its own query: this is the stampede.
/// </summary>
internal sealed class CacheAsideStrategy(StrategyContext context, AccessSampler? sampler) : IReadStrategy
{
    private readonly IDatabase _db = context.Database;

    public async Task<ReadOutcome> ReadAsync(int id, CancellationToken cancellationToken)
    {
        var key = context.Spec.DataKey(id);
        sampler?.Record(key);
        var cached = await _db.StringGetAsync(key);
        if (cached.HasValue)
        {
            return new ReadOutcome(cached.ToString(), Miss: false);
        }

        var value = await context.Backend.LoadAsync(id, cancellationToken);
        if (value is not null)
        {
            await _db.StringSetAsync(key, value, context.Spec.Ttl);
        }

        return new ReadOutcome(value, Miss: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (sampler is not null)
        {
            await sampler.DisposeAsync();
        }
    }
}
