using System.Buffers.Binary;
using System.Text;

namespace CacheWarmer.Worker.Loaders;

/// <summary>
/// The payload HybridCache (Microsoft.Extensions.Caching.Hybrid) keeps in its distributed level's <c>data</c>, read off
/// the 10.11.0 package: a 2-byte sentinel (0x0103), 2 bytes of entropy, the creation time (UTC ticks, 8 bytes), then
/// varints for the flags, the value's length, the duration (ticks) and the tag count, the key (varint length and
/// UTF-8), the value's bytes and the sentinel again. HybridCache checks the key and that creation plus duration has
/// not passed.
/// </summary>
internal static class HybridCacheEntry
{
    private const ushort Sentinel = 0x0103;

    /// <summary>Wraps <paramref name="value"/> as the payload of HybridCache key <paramref name="key"/> (the key without the InstanceName).</summary>
    public static byte[] Wrap(byte[] value, string key, DateTimeOffset createdAt, TimeSpan duration)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        using var buffer = new MemoryStream(value.Length + keyBytes.Length + 40);
        Span<byte> fixedPart = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart, Sentinel);
        BinaryPrimitives.WriteUInt16LittleEndian(fixedPart[2..], (ushort)Random.Shared.Next(ushort.MaxValue + 1));
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart[4..], createdAt.UtcTicks);
        buffer.Write(fixedPart);
        WriteVarint(buffer, 0);
        WriteVarint(buffer, (ulong)value.Length);
        WriteVarint(buffer, (ulong)duration.Ticks);
        WriteVarint(buffer, 0);
        WriteVarint(buffer, (ulong)keyBytes.Length);
        buffer.Write(keyBytes);
        buffer.Write(value);
        Span<byte> end = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(end, Sentinel);
        buffer.Write(end);
        return buffer.ToArray();
    }

    // Seven bits a byte, least significant first; the high bit says another byte follows.
    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }
}
