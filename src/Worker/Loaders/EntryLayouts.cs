using System.Text;
using CacheWarmer.Worker.Configuration;

namespace CacheWarmer.Worker.Loaders;

/// <summary>
/// Tells whether a cache library's entry found in Redis has the layout the worker writes for its format, from the
/// entry's field names and the first and last bytes of its <c>data</c>. The worker cannot see the apps' package
/// versions, but it can see what they wrote: an entry of a version or serializer it was not verified against (a
/// HybridCache payload of another header, FusionCache data that is not its System.Text.Json object, a RedisCache
/// hash of other fields) is left alone instead of being replaced by one the app may not read.
/// </summary>
internal static class EntryLayouts
{
    // RedisCache's hash, which all three library formats live in.
    private const string CacheFields = "absexp,data,sldexp";

    // HybridCache's payload starts and ends with its sentinel, little-endian 0x0103.
    private static readonly byte[] HybridSentinel = [0x03, 0x01];

    // FusionCache's System.Text.Json entry object starts with its value.
    private static readonly byte[] FusionStart = "{\"Value\":"u8.ToArray();

    /// <summary>The library versions whose entries <paramref name="format"/> was checked against, for messages.</summary>
    public static string Verified(ValueFormat format) => format switch
    {
        ValueFormat.DistributedCache => "Microsoft.Extensions.Caching.StackExchangeRedis 10.0.15 and 11.0.0",
        ValueFormat.HybridCache => "Microsoft.Extensions.Caching.Hybrid 10.11.0 and 11.0.0 over StackExchangeRedis 10.0.15 and 11.0.0",
        ValueFormat.FusionCache => "ZiggyCreatures.FusionCache 2.9.0 with FusionCacheSystemTextJsonSerializer over StackExchangeRedis 10.0.15 and 11.0.0",
        _ => "none (the worker writes this format itself)",
    };

    /// <summary>
    /// What is unknown about the entry (for the log), or null when its layout is the one <paramref name="format"/>
    /// writes. Formats that are not a library's entry have nothing to check.
    /// </summary>
    /// <param name="format">The loader's format.</param>
    /// <param name="fields">The hash's field names, sorted, comma-separated.</param>
    /// <param name="head">The first bytes (up to 9) of its <c>data</c>.</param>
    /// <param name="tail">The last bytes (up to 2) of its <c>data</c>.</param>
    public static string? Unknown(ValueFormat format, string fields, ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
    {
        if (format is not (ValueFormat.DistributedCache or ValueFormat.HybridCache or ValueFormat.FusionCache))
        {
            return null;
        }

        if (fields != CacheFields)
        {
            return $"a hash of the fields {fields}, where RedisCache keeps {CacheFields}";
        }

        return format switch
        {
            ValueFormat.HybridCache when !head.StartsWith(HybridSentinel) || !tail.SequenceEqual(HybridSentinel) =>
                $"data starting {Convert.ToHexString(head)}, not HybridCache's payload (0301... 0301)",
            ValueFormat.FusionCache when !head.SequenceEqual(FusionStart) =>
                $"data starting {Printable(head)}, not FusionCache's System.Text.Json entry ({Encoding.UTF8.GetString(FusionStart)}...)",
            _ => null,
        };
    }

    // The bytes as text where they are printable ASCII, so a log line names what was found without control bytes.
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }

        return text.ToString();
    }
}
