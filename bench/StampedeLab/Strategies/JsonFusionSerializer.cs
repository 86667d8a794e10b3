using System.Text.Json;
using ZiggyCreatures.Caching.Fusion.Serialization;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// FusionCache's serializer for its distributed level, over System.Text.Json. The package that ships one
/// (ZiggyCreatures.FusionCache.Serialization.SystemTextJson) is not served by our feed, so the lab has its own.
/// </summary>
internal sealed class JsonFusionSerializer : IFusionCacheSerializer
{
    public byte[] Serialize<T>(T? obj) => JsonSerializer.SerializeToUtf8Bytes(obj);

    public T? Deserialize<T>(byte[] data) => JsonSerializer.Deserialize<T>(data);

    public ValueTask<byte[]> SerializeAsync<T>(T? obj, CancellationToken token = default) => ValueTask.FromResult(Serialize(obj));

    public ValueTask<T?> DeserializeAsync<T>(byte[] data, CancellationToken token = default) => ValueTask.FromResult(Deserialize<T>(data));
}
