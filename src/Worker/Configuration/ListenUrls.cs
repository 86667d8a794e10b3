using System.Globalization;
using System.Net;

namespace CacheWarmer.Worker.Configuration;

/// <summary>One address of <c>CacheWarmer:Http:Urls</c>, such as <c>http://127.0.0.1:8080</c>.</summary>
/// <param name="Text">The URL as written.</param>
/// <param name="Host">The host part: a name, an address, or Kestrel's <c>+</c> / <c>*</c> for every interface.</param>
/// <param name="IsLoopback">True when only this machine can reach it.</param>
internal readonly record struct ListenUrl(string Text, string Host, bool IsLoopback);

/// <summary>
/// Reads <c>CacheWarmer:Http:Urls</c> the way Kestrel will bind it. Kestrel binds any host that is not an IP address
/// or <c>localhost</c> (<c>+</c>, <c>*</c>, a machine name) to every interface, so only <c>localhost</c> and loopback
/// addresses count as loopback.
/// </summary>
internal static class ListenUrls
{
    public static bool TryParse(string? urls, out List<ListenUrl> parsed, out string? error)
    {
        parsed = [];
        error = null;
        if (string.IsNullOrWhiteSpace(urls))
        {
            error = "is empty";
            return false;
        }

        foreach (var part in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParseOne(part, out var url))
            {
                error = $"holds \"{part}\", which is not a URL such as \"http://127.0.0.1:8080\"";
                return false;
            }

            parsed.Add(url);
        }

        if (parsed.Count == 0)
        {
            error = "is empty";
            return false;
        }

        return true;
    }

    private static bool TryParseOne(string text, out ListenUrl url)
    {
        url = default;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return false;
        }

        var scheme = text[..schemeEnd];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = text[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        string host;
        string? port;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (after.Length > 0 && after[0] != ':')
            {
                return false;
            }

            port = after.Length > 0 ? after[1..] : null;
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            port = colon < 0 ? null : authority[(colon + 1)..];
        }

        if (host.Length == 0 || port is not null && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= 65535))
        {
            return false;
        }

        url = new ListenUrl(text, host, IsLoopback(host));
        return true;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
        IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
}
