using System.Globalization;
using System.Text.RegularExpressions;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>
/// A strict reader of the Prometheus text format (0.0.4): every line is a comment (<c># HELP</c>, <c># TYPE</c>) or a
/// sample <c>name{label="value",...} value</c>. A line that is neither fails the parse, naming it.
/// </summary>
internal static partial class PrometheusText
{
    public static (List<Sample> Samples, Dictionary<string, string> Types) Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var comment = CommentLine().Match(line);
                if (!comment.Success)
                {
                    throw new FormatException($"Line {number} is a comment but neither # HELP nor # TYPE: {line}");
                }

                if (comment.Groups["kind"].Value == "TYPE")
                {
                    types[comment.Groups["name"].Value] = comment.Groups["rest"].Value;
                }

                continue;
            }

            var sample = SampleLine().Match(line);
            if (!sample.Success)
            {
                throw new FormatException($"Line {number} is not 'name{{labels}} value': {line}");
            }

            var labels = LabelPair().Matches(sample.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);
            var value = sample.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(sample.Groups["name"].Value, labels, value));
        }

        return (samples, types);
    }

    [GeneratedRegex("""^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?: (?<rest>.*))?$""")]
    private static partial Regex CommentLine();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*,?)?\})? (?<value>[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))(?: -?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
