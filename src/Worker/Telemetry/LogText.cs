using System.Text.Encodings.Web;
using System.Text.Json;

namespace CacheWarmer.Worker.Telemetry;

/// <summary>
/// Text from outside the worker (a key from a keyspace event or an access sample, a database's error message, a
/// client's request) made safe for a log line: control characters (newlines, ANSI escapes), quotes and backslashes are
/// escaped as in JSON, so such text can neither forge a line nor recolour a terminal. Everything else, non-ASCII
/// included, is kept, so an ordinary key reads the same in the log as in Redis.
/// </summary>
/// <remarks>
/// A log method takes this type where it names such text, and a string converts to it implicitly, so every caller
/// is escaped without doing anything. Logging calls <see cref="ToString"/> only when the line is written.
/// </remarks>
internal readonly record struct LogText(string Text)
{
    public static implicit operator LogText(string text) => new(text);

    public static LogText FromString(string text) => new(text);

    /// <summary>The text escaped, without quotes.</summary>
    public static string Escape(string text) => JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    /// <summary>The text escaped, in double quotes.</summary>
    public static string Quote(string text) => '"' + Escape(text) + '"';

    public override string ToString() => Escape(Text ?? string.Empty);
}
