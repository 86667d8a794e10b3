using System.Text.Json;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.Worker.Loaders;

namespace CacheWarmer.Worker.Http;

// A loader and ids: each id fills the loader's pattern, and the key it makes must read back the same.
internal sealed partial class WarmRequestReader
{
    private List<LoaderMatch> ReadIds(JsonElement? loaderElement, JsonElement? idsElement, WarmRequestErrors errors)
    {
        var matches = new List<LoaderMatch>();
        Loader? loader = null;
        if (loaderElement is not { } name)
        {
            errors.Add("loader", $"is missing: ids fill a loader's pattern; name the loader, one of {Names()}");
        }
        else if (name.ValueKind != JsonValueKind.String)
        {
            errors.Add("loader", $"is a JSON {Kind(name)}: name a loader as a string, one of {Names()}");
        }
        else if (!catalog.Loaders.TryGetValue(name.GetString()!, out loader))
        {
            errors.Add("loader", $"\"{name.GetString()}\" is not a configured loader: use one of {Names()}");
        }

        if (idsElement is not { } ids)
        {
            errors.Add("ids", "is missing: give the ids to warm, such as [\"1\", \"2\"]");
            return matches;
        }

        if (!IsNonEmptyList(ids, "ids", "[\"1\", \"2\"]", errors) || loader is null)
        {
            return matches;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in ids.EnumerateArray())
        {
            var field = $"ids[{index++}]";
            if (ReadValues(loader.Pattern, item, field, errors) is { } values &&
                Fit(loader, values, field, errors) is { } match &&
                seen.Add(match.Key))
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

    // The parameter values of one id: a string for a one-parameter pattern, an object naming each parameter otherwise.
    private static string[]? ReadValues(KeyPattern pattern, JsonElement item, string field, WarmRequestErrors errors)
    {
        var parameters = pattern.Parameters;
        if (parameters.Count == 1)
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                return [item.GetString()!];
            }

            errors.Add(field, $"is a JSON {Kind(item)}: an id of \"{pattern.Text}\" is a string such as \"1\"");
            return null;
        }

        var example = "{" + string.Join(", ", parameters.Select(p => $"\"{p}\": \"...\"")) + "}";
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, $"is a JSON {Kind(item)}: \"{pattern.Text}\" has {parameters.Count} parameters, so each id is an object such as {example}");
            return null;
        }

        var values = new string[parameters.Count];
        var ok = true;
        foreach (var property in item.EnumerateObject())
        {
            var position = IndexOf(parameters, property.Name);
            if (position < 0)
            {
                errors.Add($"{field}.{property.Name}", $"is not a parameter of \"{pattern.Text}\": use {example}");
                ok = false;
            }
            else if (property.Value.ValueKind != JsonValueKind.String)
            {
                errors.Add($"{field}.{property.Name}", $"is a JSON {Kind(property.Value)}: parameter values are strings");
                ok = false;
            }
            else
            {
                values[position] = property.Value.GetString()!;
            }
        }

        for (var i = 0; i < parameters.Count && ok; i++)
        {
            if (values[i] is null)
            {
                errors.Add($"{field}.{parameters[i]}", $"is missing: each id of \"{pattern.Text}\" is an object such as {example}");
                ok = false;
            }
        }

        return ok ? values : null;
    }

    // Builds the key and checks it reads back as the same loader and values (an id holding a separator, or one that
    // makes a key a more specific loader owns, does not fit).
    private LoaderMatch? Fit(Loader loader, string[] values, string field, WarmRequestErrors errors)
    {
        var shown = values.Length == 1 ? $"\"{values[0]}\"" : "{" + string.Join(", ", values.Select(v => $"\"{v}\"")) + "}";
        var match = catalog.KeyFor(loader, values, out var key, out var reason);
        if (key is not null && HasControlCharacter(key))
        {
            errors.Add(field, ControlCharacterMessage);
            return null;
        }

        if (match is null)
        {
            errors.Add(field, $"{shown} does not fit \"{loader.Pattern.Text}\": {reason}");
            return null;
        }

        return match;
    }
}
