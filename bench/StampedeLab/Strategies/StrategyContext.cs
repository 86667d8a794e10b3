using CacheWarmer.Contracts.Sampling;
using CacheWarmer.StampedeLab.Reader;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>What every strategy of a reader process shares: one multiplexer, the backend, the spec.</summary>
internal sealed record StrategyContext(ReaderSpec Spec, IConnectionMultiplexer Redis, ProductBackend Backend)
{
    public IDatabase Database => Redis.GetDatabase();

    /// <summary>Builds the strategy the spec names.</summary>
    public IReadStrategy Create() => Spec.Strategy switch
    {
        "none" => new CacheAsideStrategy(this, sampler: null),
        "lock" => new LockStrategy(this),
        "singleflight" => new SingleFlightStrategy(this),
        "fusioncache" => new FusionCacheStrategy(this),
        "hybridcache" => new HybridCacheStrategy(this),
        "fusioncache-full" => new FusionCacheFullStrategy(this, sampler: null),
        // The same apps beside the worker, telling it what they read (under the Redis key the worker's loader names).
        "fusioncache+cachewarmer" => new FusionCacheFullStrategy(this, Sampler()),
        // The app beside the worker reads exactly like "none"; outside expiry it also tells the worker what it reads.
        "cachewarmer" => new CacheAsideStrategy(
            this,
            Spec.Scenario != LabScenario.Expiry ? Sampler() : null),
        _ => throw new ArgumentOutOfRangeException(nameof(Spec), Spec.Strategy, "Unknown strategy."),
    };

    private AccessSampler Sampler() => new(Redis, new AccessSamplerOptions { KeyPrefix = Spec.WorkerKeyPrefix });
}
