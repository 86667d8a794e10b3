using System.Text.Json;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// Reads and checks a <c>POST /warm</c> body completely before anything runs: malformed JSON, wrong types, empty
/// lists, unknown loaders, keys no loader owns, ids that do not fit the pattern, bad globs and the key limit each give
/// an error naming the field. A key is never guessed: one that matches no loader is refused.
/// </summary>
internal sealed partial class WarmRequestReader(LoaderCatalog catalog, IOptions<HttpOptions> http)
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 8, AllowDuplicateProperties = false };

    private const string ControlCharacterMessage = "holds a control character (such as a newline or a tab): the API takes no such keys";

    private readonly int _maxKeys = http.Value.MaxKeysPerRequest;

    public WarmSelection? Read(ReadOnlyMemory<byte> body, WarmRequestErrors errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, JsonOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $"line {line + 1}, byte {ex.BytePositionInLine + 1}" : ex.Message;
            errors.Add("body", $"is not valid JSON ({where}): send an object such as {{\"keys\": [\"product:1\"]}}");
            return null;
        }

        using (document)
        {
            return Read(document.RootElement, errors);
        }
    }

    private WarmSelection? Read(JsonElement root, WarmRequestErrors errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", $"is a JSON {Kind(root)}, not an object: send {{\"keys\": [...]}}, {{\"loader\": \"...\", \"ids\": [...]}} or {{\"pattern\": \"...\"}}");
            return null;
        }

        JsonElement? keys = null, loader = null, ids = null, pattern = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "keys": keys = property.Value; break;
                case "loader": loader = property.Value; break;
                case "ids": ids = property.Value; break;
                case "pattern": pattern = property.Value; break;
                default:
                    errors.Add(property.Name, "is not a field of a warm request: use keys, loader and ids, or pattern");
                    break;
            }
        }

        var modes = (keys is null ? 0 : 1) + (loader is null && ids is null ? 0 : 1) + (pattern is null ? 0 : 1);
        if (modes != 1)
        {
            errors.Add("body", modes == 0
                ? "names no keys: give keys, loader and ids, or pattern"
                : "mixes keys, loader and ids, and pattern: give exactly one of them");
        }

        if (errors.Any)
        {
            return null;
        }

        if (keys is { } keyList)
        {
            var matches = ReadKeys(keyList, errors);
            return errors.Any ? null : new WarmSelection("keys", matches, null);
        }

        if (pattern is { } glob)
        {
            var checkedGlob = ReadPattern(glob, errors);
            return errors.Any ? null : new WarmSelection("pattern", null, checkedGlob);
        }

        var fromIds = ReadIds(loader, ids, errors);
        return errors.Any ? null : new WarmSelection("ids", fromIds, null);
    }

    private List<LoaderMatch> ReadKeys(JsonElement keys, WarmRequestErrors errors)
    {
        var matches = new List<LoaderMatch>();
        if (!IsNonEmptyList(keys, "keys", "[\"product:1\", \"product:2\"]", errors))
        {
            return matches;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in keys.EnumerateArray())
        {
            var field = $"keys[{index++}]";
            if (item.ValueKind != JsonValueKind.String)
            {
                errors.Add(field, $"is a JSON {Kind(item)}: each key is a string such as \"product:1\"");
            }
            else if (item.GetString() is not { Length: > 0 } key)
            {
                errors.Add(field, "is empty: each key is a string such as \"product:1\"");
            }
            else if (HasControlCharacter(key))
            {
                errors.Add(field, ControlCharacterMessage);
            }
            else if (catalog.Match(key) is not { } match)
            {
                errors.Add(field, $"\"{key}\" matches no loader's pattern ({Patterns()}): the worker only writes keys it knows how to load");
            }
            else if (seen.Add(key))
            {
                matches.Add(match);
            }

            if (errors.Full)
            {
                break;
            }
        }

        return matches;
    }

    private string? ReadPattern(JsonElement pattern, WarmRequestErrors errors)
    {
        if (pattern.ValueKind != JsonValueKind.String)
        {
            errors.Add("pattern", $"is a JSON {Kind(pattern)}: give a Redis glob as a string, such as \"product:*\"");
            return null;
        }

        var glob = pattern.GetString()!;
        if (HasControlCharacter(glob))
        {
            errors.Add("pattern", ControlCharacterMessage);
            return null;
        }

        if (!RedisGlob.TryParse(glob, out var prefix, out var error))
        {
            errors.Add("pattern", $"\"{glob}\" is not a valid glob: it {error}");
            return null;
        }

        // SCAN MATCH walks the whole keyspace whatever the glob, but a glob bounded by a loader's literal prefix names
        // only that loader's kind of key. One that is not ("*", "?*", "prod*" for "product:{id}") would pin every
        // loader key of the database, and one that can match no loader's keys is a mistake.
        var prefixes = catalog.Loaders.Values.Select(l => l.Pattern.LiteralPrefix).Where(p => p.Length > 0).ToList();
        if (prefixes.Any(p => prefix.StartsWith(p, StringComparison.Ordinal)))
        {
            return glob;
        }

        var example = prefixes.Count > 0 ? $"such as \"{prefixes.Min(StringComparer.Ordinal)}*\"" : "but no loader's key starts with literal text: warm by keys, or by loader and ids";
        errors.Add("pattern", prefixes.Any(p => p.StartsWith(prefix, StringComparison.Ordinal))
            ? $"\"{glob}\" is not bounded by a loader's key prefix ({Patterns()}): a pattern must start with the literal text of a loader's key, {example}"
            : $"\"{glob}\" can match no loader's keys ({Patterns()}): a pattern must start with the literal text of a loader's key, {example}");
        return null;
    }

    private bool IsNonEmptyList(JsonElement list, string field, string example, WarmRequestErrors errors)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            errors.Add(field, $"is a JSON {Kind(list)}: give an array such as {example}");
            return false;
        }

        var count = list.GetArrayLength();
        if (count == 0)
        {
            errors.Add(field, $"is empty: give at least one, such as {example}");
            return false;
        }

        if (count > _maxKeys)
        {
            errors.Add(field, $"holds {count} entries, more than CacheWarmer:Http:MaxKeysPerRequest ({_maxKeys}): split the warm into several requests");
            return false;
        }

        return true;
    }

    // Keys reach the worker's log lines; one holding a newline could forge a line, so the API takes none.
    private static bool HasControlCharacter(string text) => text.Any(char.IsControl);

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private string Names() => string.Join(", ", catalog.Loaders.Keys.Order(StringComparer.Ordinal).Select(n => $"\"{n}\""));

    private string Patterns() => string.Join(", ", catalog.Patterns.Select(p => $"\"{p.Text}\""));

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
