using System.Text.Json;

namespace CacheWarmer.Worker.Http;

/// <summary>Text a client sent, made safe for a log line: quoted, with quotes and control characters escaped.</summary>
internal static class LogText
{
    public static string Quote(string text) => '"' + JsonEncodedText.Encode(text).ToString() + '"';
}
