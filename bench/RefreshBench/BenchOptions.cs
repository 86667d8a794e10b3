using System.Globalization;

namespace CacheWarmer.RefreshBench;

/// <summary>The scenario's parameters, from the command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        """
        Usage: CacheWarmer.RefreshBench [--replicas 3] [--keys 200] [--ttl 6] [--cycles 5] [--load-ms 5] [--batch] [--out FILE]

          --replicas N   worker hosts started in this process, on the same Redis        (default 3)
          --keys N       product keys the app writes, all refreshed by the workers       (default 200)
          --ttl S        loader TTL in seconds; must exceed Buffer 1.5 s + LeaseTtl 3 s  (default 6)
          --cycles N     how many TTLs the measurement runs                              (default 5)
          --load-ms N    pg_sleep inside every load, modelling query time                (default 5)
          --batch        load due keys together: BatchQuery load_products(@ids), one sleep a query
          --out FILE     also write the results as markdown to FILE
        """;

    public int Replicas { get; init; } = 3;

    public int Keys { get; init; } = 200;

    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(6);

    public int Cycles { get; init; } = 5;

    public int LoadMilliseconds { get; init; } = 5;

    /// <summary>Whether the loader has a BatchQuery, so a replica's due keys share one query.</summary>
    public bool Batch { get; init; }

    public string? OutputFile { get; init; }

    // Fixed worker settings of the scenario (the validator needs Ttl > Buffer + LeaseTtl).
    public TimeSpan TtlJitter { get; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan Buffer { get; } = TimeSpan.FromMilliseconds(1500);

    public TimeSpan LeaseTtl { get; } = TimeSpan.FromSeconds(3);

    public TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the measurement runs after the app wrote its keys.</summary>
    public TimeSpan Duration => Ttl * Cycles;

    /// <summary>Two loads of one key closer than this are two loads in one cycle (a cycle lasts about Ttl - Buffer).</summary>
    public TimeSpan SameCycleWindow => (Ttl - Buffer) / 2;

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
                case "--replicas" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Replicas = n };
                    break;
                case "--keys" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Keys = n };
                    break;
                case "--ttl" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0:
                    options = options with { Ttl = TimeSpan.FromSeconds(s) };
                    break;
                case "--cycles" when ArgValues.PositiveInt(value) is { } n:
                    options = options with { Cycles = n };
                    break;
                case "--load-ms" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms):
                    options = options with { LoadMilliseconds = ms };
                    break;
                case "--out":
                    options = options with { OutputFile = value };
                    break;
                case "--replicas" or "--keys" or "--ttl" or "--cycles" or "--load-ms":
                    error = $"{name} {value}: expected a positive number.";
                    return null;
                default:
                    error = $"Unknown option {name}.";
                    return null;
            }
        }

        if (options.Ttl <= options.Buffer + options.LeaseTtl)
        {
            error = $"--ttl {options.Ttl.TotalSeconds:0.###}: must exceed Buffer + LeaseTtl ({(options.Buffer + options.LeaseTtl).TotalSeconds:0.###} s).";
            return null;
        }

        return options;
    }

    /// <summary>The command line that reproduces this run (from the repository root).</summary>
    public string CommandLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"dotnet run -c Release --project bench/RefreshBench -- --replicas {Replicas} --keys {Keys} --ttl {Ttl.TotalSeconds:0.###} --cycles {Cycles} --load-ms {LoadMilliseconds}{(Batch ? " --batch" : string.Empty)}");
}
