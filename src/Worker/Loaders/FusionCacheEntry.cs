using System.Text.Json;

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
}
