using CacheWarmer.Worker.Configuration;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Loaders;

/// <summary>
/// What a fenced write stores for one loaded value, in its loader's format: the bytes (the string's value, or a
/// library entry's <c>data</c>) and, for the <c>Hash</c> format, the row's fields and its NULL columns.
/// </summary>
internal sealed record StoredValue(byte[] Data, RedisValue[] Fields, RedisValue[] Nulls)
{
    /// <summary>Bytes stored as they are (the <c>String</c> format, or an entry already made).</summary>
    public static implicit operator StoredValue(byte[] data) => new(data, [], []);

    /// <summary>The loaded value as <paramref name="loader"/>'s format keeps it at <paramref name="key"/>, written at <paramref name="writtenAt"/> for <paramref name="ttl"/>.</summary>
    public static StoredValue Of(Loader loader, string key, byte[] loaded, DateTimeOffset writtenAt, TimeSpan ttl) => loader.Format switch
    {
        ValueFormat.FusionCache => FusionCacheEntry.Wrap(loaded, writtenAt, writtenAt + ttl),
        ValueFormat.HybridCache => HybridCacheEntry.Wrap(loaded, key[loader.InstanceName.Length..], writtenAt, ttl),
        ValueFormat.Hash => HashFields.From(loaded),
        _ => loaded,
    };
}
