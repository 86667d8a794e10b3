using System.Globalization;
using CacheWarmer.RefreshBench;

namespace CacheWarmer.SketchBench;

/// <summary>The run's parameters, from the command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        """
        Usage: CacheWarmer.SketchBench [--updates 10000000] [--distinct 1000000] [--exponent 1.1] [--repetitions 5]
                                       [--per-timestamp 100] [--seed 42] [--stream-entries 20000] [--fields 100]
                                       [--producers 3] [--out FILE]

          --updates N        keys in the stream, each one Add (count 1)                           (default 10000000)
          --distinct N       Zipf ranks the keys are drawn from, "product:1".."product:N"         (default 1000000)
          --exponent S       Zipf exponent: rank r is drawn with probability ~ r^-S               (default 1.1)
          --repetitions N    timed passes over the stream per contender; the median is reported  (default 5)
          --per-timestamp N  consecutive updates sharing one time, 1 ms apart (a stream entry)    (default 100)
          --seed N           seed of the stream                                                   (default 42)
          --stream-entries N sample-stream entries per phase through a private Redis; 0 skips it  (default 20000)
          --fields N         samples (key, count) per stream entry                                (default 100)
          --producers N      concurrent producers writing the stream                              (default 3)
          --out FILE         also write the results as markdown to FILE
        """;

    public int Updates { get; init; } = 10_000_000;

    public int Distinct { get; init; } = 1_000_000;

    public double Exponent { get; init; } = 1.1;

    public int Repetitions { get; init; } = 5;

    public int PerTimestamp { get; init; } = 100;

    public int Seed { get; init; } = 42;

    public string? OutputFile { get; init; }

    public int StreamEntries { get; init; } = 20_000;

    public int FieldsPerEntry { get; init; } = 100;

    public int Producers { get; init; } = 3;

    /// <summary>The sketch capacities compared, the first being the worker's default.</summary>
    public IReadOnlyList<int> Capacities { get; } = [100_000, 10_000];

    /// <summary>The worker's default half-life.</summary>
    public TimeSpan HalfLife { get; } = TimeSpan.FromMinutes(5);

    public int TopK { get; } = 1_000;

    /// <summary>Parses the arguments; null with <paramref name="error"/> set when they are wrong, or "" for --help.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new BenchOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = string.Empty;
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value.";
                return null;
            }

            var value = args[++i];
            switch (name)
            {
                case "--updates" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Updates = n };
                    break;
                case "--distinct" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Distinct = n };
                    break;
                case "--exponent" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0:
                    options = options with { Exponent = s };
                    break;
                case "--repetitions" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Repetitions = n };
                    break;
                case "--per-timestamp" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { PerTimestamp = n };
                    break;
                case "--seed" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seed):
                    options = options with { Seed = seed };
                    break;
                case "--stream-entries" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                    options = options with { StreamEntries = n };
                    break;
                case "--fields" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { FieldsPerEntry = n };
                    break;
                case "--producers" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Producers = n };
                    break;
                case "--out":
                    options = options with { OutputFile = value };
                    break;
                case "--updates" or "--distinct" or "--exponent" or "--repetitions" or "--per-timestamp" or "--seed" or "--stream-entries" or "--fields" or "--producers":
                    error = $"{name} {value}: expected a positive number.";
                    return null;
                default:
                    error = $"Unknown option {name}.";
                    return null;
            }
        }

        return options;
    }

    /// <summary>The command line that reproduces this run (from the repository root).</summary>
    public string CommandLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"dotnet run -c Release --project bench/SketchBench -- --updates {Updates} --distinct {Distinct} --exponent {Exponent} --repetitions {Repetitions} --per-timestamp {PerTimestamp} --seed {Seed} --stream-entries {StreamEntries} --fields {FieldsPerEntry} --producers {Producers}");
}
