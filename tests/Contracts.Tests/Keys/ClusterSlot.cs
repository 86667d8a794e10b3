using System.Text;

namespace CacheWarmer.Contracts.Tests.Keys;

/// <summary>
/// Redis Cluster's key slot, written from the cluster spec as an oracle independent of the code under test:
/// CRC16 (XMODEM) of the hash tag (the text between the first '{' and the first '}' after it, when non-empty)
/// or else of the whole key, modulo 16384.
/// </summary>
internal static class ClusterSlot
{
    public static int Of(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = key.IndexOf('}', open + 1);
            if (close > open + 1)
            {
                key = key[(open + 1)..close];
            }
        }

        return Crc16(Encoding.UTF8.GetBytes(key)) % 16384;
    }

    private static int Crc16(byte[] bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xFFFF;
            }
        }

        return crc;
    }
}
