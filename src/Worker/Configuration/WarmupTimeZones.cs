using System.Diagnostics.CodeAnalysis;

namespace CacheWarmer.Worker.Configuration;

/// <summary>Reads a warmup's <c>TimeZone</c> setting.</summary>
internal static class WarmupTimeZones
{
    /// <summary>
    /// The zone named <paramref name="id"/>: an IANA id, or a Windows id where the runtime can map it (on Linux that
    /// needs ICU, which this build's invariant globalization leaves out, so IANA ids are the portable choice).
    /// </summary>
    public static bool TryFind(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return false;
        }
    }
}
