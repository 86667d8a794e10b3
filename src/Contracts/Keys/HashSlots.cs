using System.Text;

namespace CacheWarmer.Contracts.Keys;

/// <summary>Redis Cluster's key-to-slot function, and a short hash tag for each slot.</summary>
internal static class HashSlots
{
    private const int SlotCount = 16384;
    private static readonly Lazy<string[]> TagBySlot = new(BuildTags);

    /// <summary>The slot of a key that has no hash tag: CRC16 (XMODEM) of the whole key, modulo 16384.</summary>
    public static int OfWholeKey(string key) => Crc16(Encoding.UTF8.GetBytes(key)) & (SlotCount - 1);

    /// <summary>A short tag (digits only) that hashes to <paramref name="slot"/>.</summary>
    public static string TagFor(int slot) => TagBySlot.Value[slot];

    private static string[] BuildTags()
    {
        // The decimal numbers cover all 16384 slots well before 200,000; this runs once, in milliseconds.
        var tags = new string[SlotCount];
        var found = 0;
        for (var n = 0; found < SlotCount; n++)
        {
            var text = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var slot = Crc16(Encoding.ASCII.GetBytes(text)) & (SlotCount - 1);
            if (tags[slot] is null)
            {
                tags[slot] = text;
                found++;
            }
        }

        return tags;
    }

    private static int Crc16(ReadOnlySpan<byte> bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }

        return crc & 0xFFFF;
    }
}
