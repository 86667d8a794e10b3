using System.Globalization;

namespace CacheWarmer.DemoApp.CommandLine;

/// <summary>
/// The <c>--name value</c> options and <c>--flag</c> switches after the command name. A repeated option keeps its
/// last value, so a wrapper script can pass defaults first and let its caller's arguments override them.
/// </summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private CommandArguments()
    {
    }

    /// <summary>Parses <paramref name="args"/>; names in <paramref name="flags"/> take no value.</summary>
    public static CommandArguments Parse(IReadOnlyList<string> args, params IReadOnlyCollection<string> flags)
    {
        var parsed = new CommandArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"unexpected argument '{arg}'; options look like --name value");
            }

            var name = arg[2..];
            if (flags.Contains(name))
            {
                parsed._flags.Add(name);
            }
            else if (i + 1 < args.Count)
            {
                parsed._values[name] = args[++i];
            }
            else
            {
                throw new UsageException($"--{name} needs a value");
            }
        }

        return parsed;
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _flags.Contains(name);
    }

    public string Text(string name, string? fallback = null)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var value) ? value
            : fallback ?? throw new UsageException($"--{name} is required");
    }

    public int Integer(string name, int fallback, int min, int max)
    {
        _read.Add(name);
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'");
    }

    /// <summary>Fails on any option the command did not ask for, so a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Concat(_flags).Where(name => !_read.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option {string.Join(", ", unknown.Select(name => "--" + name))}");
        }
    }
}
