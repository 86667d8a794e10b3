using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// The IDistributedCache both libraries use as their second level: Microsoft's RedisCache over the process's one
/// multiplexer, its keys under the strategy's prefix (InstanceName).
/// </summary>
internal static class RedisDistributedCache
{
    public static RedisCache Create(StrategyContext context) => new(Options.Create(new RedisCacheOptions
    {
        ConnectionMultiplexerFactory = () => Task.FromResult(context.Redis),
        InstanceName = context.Spec.Namespace,
    }));
}
