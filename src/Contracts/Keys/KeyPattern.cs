using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CacheWarmer.Contracts.Keys;

/// <summary>
/// A key pattern such as <c>product:{id}</c> or <c>price:{region}:{id}</c>: literal text with named parameters.
/// <c>{{</c> and <c>}}</c> stand for literal braces, so a Redis Cluster hash tag is written <c>user:{{{id}}}</c>.
/// </summary>
/// <remarks>
/// A parameter matches one or more characters. Every parameter but the last stops at the first occurrence of the
/// literal that follows it, so <c>price:{region}:{id}</c> matches <c>price:eu:1:2</c> with region <c>eu</c> and
/// id <c>1:2</c>. Two parameters may not touch, since nothing would say where one ends.
/// </remarks>
public sealed class KeyPattern
{
    private readonly Segment[] _segments;

    private KeyPattern(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
        Parameters = segments.Where(s => s.IsParameter).Select(s => s.Value).ToArray();
        LiteralPrefix = segments.Length > 0 && !segments[0].IsParameter ? segments[0].Value : string.Empty;
        Glob = string.Concat(segments.Select(s => s.IsParameter ? "*" : EscapeGlob(s.Value)));
    }

    /// <summary>The pattern as written in configuration.</summary>
    public string Text { get; }

    /// <summary>Parameter names in order of appearance.</summary>
    public IReadOnlyList<string> Parameters { get; }

    /// <summary>The literal text before the first parameter; every matching key starts with it.</summary>
    public string LiteralPrefix { get; }

    /// <summary>A Redis glob (for SCAN MATCH) that every matching key satisfies.</summary>
    public string Glob { get; }

    /// <summary>Parses a pattern, throwing <see cref="FormatException"/> with the reason when it is malformed.</summary>
    public static KeyPattern Parse(string text)
    {
        if (TryParse(text, out var pattern, out var error))
        {
            return pattern;
        }

        throw new FormatException(error);
    }

    /// <summary>Parses a pattern; on failure <paramref name="error"/> says what is wrong and how to fix it.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out KeyPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "the key pattern is empty; write one such as 'product:{id}'";
            return false;
        }

        var segments = new List<Segment>();
        var literal = new StringBuilder();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{' || c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                literal.Append(c);
                i++;
                continue;
            }

            if (c == '}')
            {
                error = $"'{text}' has an unmatched '}}' at position {i}; write '}}}}' for a literal brace";
                return false;
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var end = text.IndexOf('}', i + 1);
            if (end < 0)
            {
                error = $"'{text}' has an unclosed '{{' at position {i}; close the parameter or write '{{{{' for a literal brace";
                return false;
            }

            var name = text[(i + 1)..end];
            if (!IsIdentifier(name))
            {
                error = $"'{text}' has an invalid parameter name '{name}'; use letters, digits and '_', starting with a letter";
                return false;
            }

            if (!names.Add(name))
            {
                error = $"'{text}' uses the parameter '{name}' twice; give each parameter its own name";
                return false;
            }

            if (literal.Length > 0)
            {
                segments.Add(new Segment(literal.ToString(), false));
                literal.Clear();
            }
            else if (segments.Count > 0 && segments[^1].IsParameter)
            {
                error = $"'{text}' has parameters '{segments[^1].Value}' and '{name}' side by side; put a separator such as ':' between them";
                return false;
            }

            segments.Add(new Segment(name, true));
            i = end;
        }

        if (literal.Length > 0)
        {
            segments.Add(new Segment(literal.ToString(), false));
        }

        pattern = new KeyPattern(text, [.. segments]);
        error = null;
        return true;
    }

    /// <summary>Matches a key; on success <paramref name="values"/> holds one value per parameter, in order.</summary>
    public bool TryMatch(string key, [NotNullWhen(true)] out string[]? values)
    {
        values = null;
        var result = new string[Parameters.Count];
        var position = 0;
        var parameter = 0;
        for (var s = 0; s < _segments.Length; s++)
        {
            var segment = _segments[s];
            if (!segment.IsParameter)
            {
                if (key.Length - position < segment.Value.Length ||
                    string.CompareOrdinal(key, position, segment.Value, 0, segment.Value.Length) != 0)
                {
                    return false;
                }

                position += segment.Value.Length;
                continue;
            }

            int end;
            if (s == _segments.Length - 1)
            {
                end = key.Length;
            }
            else
            {
                var next = _segments[s + 1].Value;
                // The last parameter takes everything up to the final literal; earlier ones stop at the first separator.
                end = s + 1 == _segments.Length - 1
                    ? (key.EndsWith(next, StringComparison.Ordinal) ? key.Length - next.Length : -1)
                    : position < key.Length ? key.IndexOf(next, position + 1, StringComparison.Ordinal) : -1;
            }

            if (end <= position)
            {
                return false;
            }

            result[parameter++] = key[position..end];
            position = end;
        }

        if (position != key.Length)
        {
            return false;
        }

        values = result;
        return true;
    }

    /// <summary>Builds the key for the given parameter values, in the order of <see cref="Parameters"/>.</summary>
    public string Format(params ReadOnlySpan<string> values)
    {
        if (values.Length != Parameters.Count)
        {
            throw new ArgumentException($"'{Text}' takes {Parameters.Count} values, not {values.Length}.", nameof(values));
        }

        var builder = new StringBuilder();
        var parameter = 0;
        for (var index = 0; index < _segments.Length; index++)
        {
            var segment = _segments[index];
            if (!segment.IsParameter)
            {
                builder.Append(segment.Value);
                continue;
            }

            var value = values[parameter++];
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"The value of '{segment.Value}' in '{Text}' is empty.", nameof(values));
            }

            if (parameter < Parameters.Count && value.Contains(_segments[index + 1].Value, StringComparison.Ordinal))
            {
                // Matching stops such a parameter at the first separator, so the key would not read back the same.
                throw new ArgumentException($"The value '{value}' of '{segment.Value}' in '{Text}' holds the separator '{_segments[index + 1].Value}' that ends it.", nameof(values));
            }

            builder.Append(value);
        }

        return builder.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string EscapeGlob(string literal)
    {
        var builder = new StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private readonly record struct Segment(string Value, bool IsParameter);
}
