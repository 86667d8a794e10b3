using System.Collections.Concurrent;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// Cache-aside with in-process request coalescing (Go's singleflight, the seed's AsyncSharedCall): readers of one
/// process that miss the same key share one flight. The flight double-checks the cache before it queries, so a
/// reader whose GET missed just before another flight's SET does not start a second query. Processes do not
/// coordinate: each runs its own flight.
/// </summary>
internal sealed class SingleFlightStrategy(StrategyContext context) : IReadStrategy
{
    private readonly ConcurrentDictionary<int, Lazy<Task<string?>>> _flights = new();
    private readonly IDatabase _db = context.Database;

    public async Task<ReadOutcome> ReadAsync(int id, CancellationToken cancellationToken)
    {
        var key = context.Spec.DataKey(id);
        var cached = await _db.StringGetAsync(key);
        if (cached.HasValue)
        {
            return new ReadOutcome(cached.ToString(), Miss: false);
        }

        var flight = _flights.GetOrAdd(id, i => new Lazy<Task<string?>>(() => FlyAsync(i, key)));
        return new ReadOutcome(await flight.Value.WaitAsync(cancellationToken), Miss: true);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string?> FlyAsync(int id, RedisKey key)
    {
        try
        {
            var cached = await _db.StringGetAsync(key);
            if (cached.HasValue)
            {
                return cached.ToString();
            }

            var value = await context.Backend.LoadAsync(id, CancellationToken.None);
            if (value is not null)
            {
                await _db.StringSetAsync(key, value, context.Spec.Ttl);
            }

            return value;
        }
        finally
        {
            _flights.TryRemove(id, out _);
        }
    }
}
