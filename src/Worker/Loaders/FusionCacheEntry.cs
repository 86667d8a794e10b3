using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using CacheWarmer.Worker.Configuration;

namespace CacheWarmer.Worker.Loaders;

/// <summary>
/// The bytes FusionCache 2.x keeps in its distributed level with the System.Text.Json serializer: the entry object
/// around the value, with when it was made and when it logically expires (UTC ticks). Read off FusionCache 2.9.0.
/// </summary>
internal static class FusionCacheEntry
{
    /// <summary>
    /// Wraps <paramref name="value"/>, the JSON a <c>Row</c> or <c>Rows</c> loader made (the validator refuses
    /// <c>Scalar</c> with this format), as the entry FusionCache reads.
    /// </summary>
    public static byte[] Wrap(byte[] value, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        using var buffer = new MemoryStream(value.Length + 128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("Value");
            json.WriteRawValue(value, skipInputValidation: true);
            json.WriteNumber("Timestamp", createdAt.UtcTicks);
            json.WriteNumber("LogicalExpirationTimestamp", expiresAt.UtcTicks);
            json.WriteNull("Tags");
            json.WriteNull("Metadata");
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    // The backplane's message kind for "this entry was set": nodes that hold the key in memory drop their copy.
    private const byte EntrySet = 1;

    /// <summary>The backplane channel of the FusionCache named <paramref name="cacheName"/>.</summary>
    public static string Channel(string cacheName) => cacheName + ".Backplane:" + LoaderOptions.FusionCacheKeyPrefix.TrimEnd(':');

    /// <summary>
    /// The backplane message saying <paramref name="cacheKey"/> was set, as FusionCache 2.9's Redis backplane frames
    /// it: a version byte (0), the sender's id and the cache key as 4-byte little-endian lengths and UTF-8, the time in
    /// UTC ticks (8 bytes) and the kind (1: set) between them.
    /// </summary>
    public static byte[] SetMessage(string cacheKey, string senderId, DateTimeOffset at)
    {
        var sender = Encoding.UTF8.GetBytes(senderId);
        var key = Encoding.UTF8.GetBytes(cacheKey);
        var message = new byte[1 + 4 + sender.Length + 8 + 1 + 4 + key.Length];
        var span = message.AsSpan();
        span[0] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], sender.Length);
        sender.CopyTo(span[5..]);
        var at8 = 5 + sender.Length;
        BinaryPrimitives.WriteInt64LittleEndian(span[at8..], at.UtcTicks);
        span[at8 + 8] = EntrySet;
        BinaryPrimitives.WriteInt32LittleEndian(span[(at8 + 9)..], key.Length);
        key.CopyTo(span[(at8 + 13)..]);
        return message;
    }
}
