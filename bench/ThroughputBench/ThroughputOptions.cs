using System.Globalization;
using CacheWarmer.RefreshBench;

namespace CacheWarmer.ThroughputBench;

/// <summary>Which catalog the worker loads from.</summary>
internal enum SourceKind
{
    Sqlite,
    Postgres,
}

/// <summary>The run's parameters, from the command line.</summary>
internal sealed record ThroughputOptions
{
    public const string Usage =
        """
        Usage: CacheWarmer.ThroughputBench [--source sqlite|postgres|both] [--keys 100000] [--concurrency 8,32,128]
                                           [--repeat 1] [--batch] [--batch-size 128] [--postgres-options TEXT]
                                           [--alloc-types] [--out FILE]

          --source S        the catalog the worker loads from: sqlite (a file), postgres (a private server), both  (both)
          --keys N          keys in Redis, each refreshed once per run                                    (100000)
          --concurrency L   Refresh:MaxConcurrency values, comma-separated; one run each                  (8,32,128)
          --repeat N        runs of every (source, concurrency), interleaved                              (1)
          --batch           also run every (source, concurrency) with the loader's BatchQuery, alternating
                            single-key and batched runs                                                   (off)
          --batch-size N    Refresh:MaxBatchSize of the batched runs: keys per batch query                (128)
          --postgres-options TEXT  appended to the worker's PostgreSQL connection string, e.g. "Max Auto Prepare=16"
          --alloc-types     print the types allocated most (the runtime's sampled allocation events) at the end
          --out FILE        also write the results as markdown to FILE
        """;

    public IReadOnlyList<SourceKind> Sources { get; init; } = [SourceKind.Sqlite, SourceKind.Postgres];

    public int Keys { get; init; } = 100_000;

    public IReadOnlyList<int> Concurrency { get; init; } = [8, 32, 128];

    public int Repeat { get; init; } = 1;

    /// <summary>Whether every (source, concurrency) also runs with batched loads, right after its single-key run.</summary>
    public bool Batch { get; init; }

    public int BatchSize { get; init; } = 128;

    /// <summary>The load modes of each (source, concurrency), in the order they run: single-key, then batched.</summary>
    public IReadOnlyList<bool> Modes => Batch ? [false, true] : [false];

    public string? OutputFile { get; init; }

    public string? PostgresOptions { get; init; }

    public bool AllocationTypes { get; init; }

    /// <summary>The loader's Ttl: far longer than the app's, so a refreshed key is told apart by its TTL alone.</summary>
    public TimeSpan LoaderTtl { get; } = TimeSpan.FromHours(1);

    /// <summary>The TTL the app's values get before the run; long enough that none expires during it.</summary>
    public TimeSpan AppTtl { get; } = TimeSpan.FromMinutes(20);

    /// <summary>Parses the arguments; null with <paramref name="error"/> set when they are wrong, or "" for --help.</summary>
    public static ThroughputOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new ThroughputOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = string.Empty;
                return null;
            }

            if (name == "--alloc-types")
            {
                options = options with { AllocationTypes = true };
                continue;
            }

            if (name == "--batch")
            {
                options = options with { Batch = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value.";
                return null;
            }

            var value = args[++i];
            switch (name)
            {
                case "--source" when ParseSources(value) is { } sources:
                    options = options with { Sources = sources };
                    break;
                case "--keys" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Keys = n };
                    break;
                case "--concurrency" when ArgValues.PositiveInts(value, max: 1024) is { } list:
                    options = options with { Concurrency = list };
                    break;
                case "--repeat" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Repeat = n };
                    break;
                case "--batch-size" when ArgValues.PositiveInt(value) is { } n and <= 1000:
                    options = options with { BatchSize = n };
                    break;
                case "--postgres-options":
                    options = options with { PostgresOptions = value };
                    break;
                case "--out":
                    options = options with { OutputFile = value };
                    break;
                case "--source":
                    error = $"--source {value}: expected sqlite, postgres or both.";
                    return null;
                case "--batch-size":
                    error = $"--batch-size {value}: expected a number of keys from 1 to 1000.";
                    return null;
                case "--keys" or "--repeat":
                    error = $"{name} {value}: expected a positive number.";
                    return null;
                case "--concurrency":
                    error = $"--concurrency {value}: expected numbers from 1 to 1024, comma-separated, such as 8,32,128.";
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
        $"dotnet run -c Release --project bench/ThroughputBench -- --source {SourceText()} --keys {Keys} --concurrency {string.Join(',', Concurrency)} --repeat {Repeat}{(Batch ? $" --batch --batch-size {BatchSize}" : "")}{(PostgresOptions is null ? "" : $" --postgres-options \"{PostgresOptions}\"")}");

    private string SourceText() => Sources.Count == 2 ? "both" : Sources[0].ToString().ToLowerInvariant();

    private static SourceKind[]? ParseSources(string value) => value switch
    {
        "sqlite" => [SourceKind.Sqlite],
        "postgres" => [SourceKind.Postgres],
        "both" => [SourceKind.Sqlite, SourceKind.Postgres],
        _ => null,
    };
}
