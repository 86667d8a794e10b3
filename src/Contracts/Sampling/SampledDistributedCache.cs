using Microsoft.Extensions.Caching.Distributed;

namespace CacheWarmer.Contracts.Sampling;

/// <summary>
/// An <see cref="IDistributedCache"/> that reports every read to an <see cref="AccessSampler"/>, so the worker sees what
/// an app on RedisCache (or HybridCache, whose second level it is) reads. Register it around the real cache; reads and
/// writes go to the inner cache unchanged, and the sampler never blocks or throws.
/// </summary>
/// <param name="inner">The cache every call goes to (a <c>RedisCache</c>, typically).</param>
/// <param name="sampler">Where reads are counted.</param>
/// <param name="instanceName">The inner cache's <c>InstanceName</c>: the Redis key is it plus the cache key, and the
/// worker's loader patterns name Redis keys.</param>
public sealed class SampledDistributedCache(IDistributedCache inner, AccessSampler sampler, string instanceName = "") : IDistributedCache
{
    /// <inheritdoc />
    public byte[]? Get(string key)
    {
        sampler.Record(instanceName + key);
        return inner.Get(key);
    }

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        sampler.Record(instanceName + key);
        return inner.GetAsync(key, token);
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        inner.SetAsync(key, value, options, token);

    /// <inheritdoc />
    public void Refresh(string key) => inner.Refresh(key);

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    /// <inheritdoc />
    public void Remove(string key) => inner.Remove(key);

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);
}
