using System.Globalization;

namespace CacheWarmer.StampedeLab;

internal enum LabScenario
{
    Expiry,
    Zipf,
    Bursts,
    Warmup,
}

/// <summary>The lab's parameters, from the command line. Durations are in seconds on the command line.</summary>
internal sealed record LabOptions
{
    public const string Usage =
        """
        Usage: CacheWarmer.StampedeLab [--scenario expiry|zipf|bursts|warmup] [--strategy none,lock,...] [options]

          --scenario S      expiry: N readers arrive when one popular key expires (default)
                            zipf:   steady Zipf(1.1) reads over --keys keys for --duration
                            bursts: one key read only in bursts of N readers; each burst after the first
                                    arrives just after the key expired, nothing read in between
                            warmup: N readers spike on --keys cold keys; the worker's cron warmup fires
                                    --lead seconds before the spike
          --strategy LIST   comma list of none, lock, singleflight, fusioncache, hybridcache, cachewarmer,
                            fusioncache-full, fusioncache+cachewarmer (default all)
          --requests N      readers in each burst (expiry, bursts) or in the spike (warmup), split over the reader
                            processes (default 100; up to 100000)
          --replicas R      reader processes, like replicas of an app (default 1)
          --backend-delay S seconds the backend query sleeps (default 2 for expiry, 0.02 for zipf)
          --ttl S           cache TTL in seconds (default 15 for expiry, 30 for zipf)
          --keys N          zipf: distinct keys (default 10000); warmup: cold keys of the spike (default 100)
          --bursts N        bursts: bursts after the cold one, each just after an expiry (default 3; up to 20)
          --lead S          warmup: seconds from the warmup's firing to the spike (default 10)
          --duration S      zipf: seconds of load per strategy (default 120)
          --rate N          zipf: reads per second, all reader processes together (default 1000)
          --flush           FLUSHDB before each strategy (strategies use their own key prefixes either way)
          --parallel        run the strategies at the same time instead of one after another (quicker, noisier
                            latencies; backend queries are still counted per strategy); not with --flush
          --verbose         print one line per burst reader and per reader-process event
          --out DIR         write DIR/results.md and DIR/*.svg
        """;

    public static readonly string[] AllStrategies =
        ["none", "lock", "singleflight", "fusioncache", "hybridcache", "cachewarmer", "fusioncache-full", "fusioncache+cachewarmer"];

    /// <summary>Whether the strategy runs the CacheWarmer worker beside its readers.</summary>
    public static bool RunsWorker(string strategy) => strategy is "cachewarmer" or "fusioncache+cachewarmer";

    /// <summary>Whether the strategy's readers keep entries through a cache library (a RedisCache hash in Redis).</summary>
    public static bool UsesLibrary(string strategy) => strategy is "fusioncache" or "hybridcache" or "fusioncache-full" or "fusioncache+cachewarmer";

    public LabScenario Scenario { get; init; } = LabScenario.Expiry;

    public IReadOnlyList<string> Strategies { get; init; } = AllStrategies;

    public int Requests { get; init; } = 100;

    public int Replicas { get; init; } = 1;

    public TimeSpan? BackendDelayOption { get; init; }

    public TimeSpan? TtlOption { get; init; }

    public int? KeysOption { get; init; }

    public int Keys => KeysOption ?? (Scenario == LabScenario.Warmup ? 100 : 10_000);

    public int Bursts { get; init; } = 3;

    public TimeSpan Lead { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(120);

    public int Rate { get; init; } = 1000;

    public bool Flush { get; init; }

    public bool Verbose { get; init; }

    public bool Parallel { get; init; }

    public string? OutputDirectory { get; init; }

    /// <summary>Reader processes running at the same time (they share the database's connections).</summary>
    public int ReaderProcessesAtOnce => Replicas * (Parallel ? Strategies.Count : 1);

    public TimeSpan BackendDelay => BackendDelayOption ?? (Scenario == LabScenario.Zipf ? TimeSpan.FromMilliseconds(20) : TimeSpan.FromSeconds(2));

    public TimeSpan Ttl => TtlOption ?? TimeSpan.FromSeconds(Scenario == LabScenario.Zipf ? 30 : 15);

    /// <summary>The scenarios of one key read in bursts that arrive at its expiry.</summary>
    public bool BurstsAtExpiry => Scenario is LabScenario.Expiry or LabScenario.Bursts;

    /// <summary>The worker's Refresh:Buffer: a refresh must start at least one load time (plus a second) before expiry.</summary>
    public TimeSpan WorkerBuffer => BackendDelay + TimeSpan.FromSeconds(1);

    /// <summary>The worker's Refresh:LeaseTtl: twice a load, at least 2 s (a load on a busy 2-core machine can take a second).</summary>
    public TimeSpan WorkerLeaseTtl => TimeSpan.FromSeconds(Math.Max(2, Math.Ceiling(BackendDelay.TotalSeconds * 2)));

    /// <summary>Parses the arguments; null with <paramref name="error"/> set when they are wrong, or "" for --help.</summary>
    public static LabOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new LabOptions();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "-h" or "--help":
                    error = string.Empty;
                    return null;
                case "--flush":
                    options = options with { Flush = true };
                    continue;
                case "--parallel":
                    options = options with { Parallel = true };
                    continue;
                case "--verbose" or "-v":
                    options = options with { Verbose = true };
                    continue;
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"{name} needs a value: for example `{name} {Example(name)}`.";
                return null;
            }

            var value = args[++i];
            error = Apply(ref options, name, value);
            if (error is not null)
            {
                return null;
            }
        }

        error = Check(options);
        return error is null ? options : null;
    }

    private static string? Apply(ref LabOptions options, string name, string value)
    {
        switch (name)
        {
            case "--scenario" when Enum.TryParse<LabScenario>(value, ignoreCase: true, out var scenario) && value.All(char.IsAsciiLetterLower):
                options = options with { Scenario = scenario };
                return null;
            case "--strategy":
                var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var unknown = names.FirstOrDefault(n => !AllStrategies.Contains(n, StringComparer.Ordinal));
                if (names.Length == 0 || unknown is not null)
                {
                    return $"--strategy {value}: unknown strategy \"{unknown}\"; use a comma list of {string.Join(", ", AllStrategies)}.";
                }

                options = options with { Strategies = names.Distinct(StringComparer.Ordinal).ToArray() };
                return null;
            case "--requests" when Int(value, 1, 100_000) is { } n:
                options = options with { Requests = n };
                return null;
            case "--replicas" when Int(value, 1, 32) is { } n:
                options = options with { Replicas = n };
                return null;
            case "--keys" when Int(value, 1, 1_000_000) is { } n:
                options = options with { KeysOption = n };
                return null;
            case "--bursts" when Int(value, 1, 20) is { } n:
                options = options with { Bursts = n };
                return null;
            case "--lead" when Seconds(value, 1, 600) is { } s:
                options = options with { Lead = s };
                return null;
            case "--rate" when Int(value, 1, 100_000) is { } n:
                options = options with { Rate = n };
                return null;
            case "--backend-delay" when Seconds(value, 0, 60) is { } s:
                options = options with { BackendDelayOption = s };
                return null;
            case "--ttl" when Seconds(value, 1, 3600) is { } s:
                options = options with { TtlOption = s };
                return null;
            case "--duration" when Seconds(value, 1, 24 * 3600) is { } s:
                options = options with { Duration = s };
                return null;
            case "--out":
                options = options with { OutputDirectory = value };
                return null;
            case "--scenario":
                return $"--scenario {value}: use expiry, zipf, bursts or warmup.";
            case "--requests" or "--replicas" or "--keys" or "--rate" or "--bursts":
                return $"{name} {value}: expected a whole number, for example `{name} {Example(name)}` (limits: {Limits(name)}).";
            case "--backend-delay" or "--ttl" or "--duration" or "--lead":
                return $"{name} {value}: expected seconds such as `{name} {Example(name)}` (limits: {Limits(name)}).";
            default:
                return $"Unknown option {name}: see --help for the options.";
        }
    }

    private static string? Check(LabOptions options)
    {
        if (options.Scenario != LabScenario.Zipf && options.Requests < options.Replicas)
        {
            return $"--requests {options.Requests} is fewer than --replicas {options.Replicas}: every reader process needs a reader; raise --requests.";
        }

        if (options.Flush && options.Parallel)
        {
            return "--flush with --parallel: a FLUSHDB would wipe the strategies running beside it; drop one of them.";
        }

        var floor = options.WorkerBuffer + options.WorkerLeaseTtl;
        if (options.Strategies.Any(RunsWorker) && options.Ttl <= floor)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"--ttl {options.Ttl.TotalSeconds:0.###}: the cachewarmer strategy needs a TTL above {floor.TotalSeconds:0.###} s (the worker's Buffer = backend delay + 1 s, plus LeaseTtl = 2 x backend delay, at least 2 s): raise --ttl or lower --backend-delay.");
        }

        if (options.BurstsAtExpiry && options.Ttl <= options.BackendDelay * 2)
        {
            return $"--ttl {options.Ttl.TotalSeconds:0.###}: must exceed twice --backend-delay so the warm-up loads end well before the key expires; raise --ttl.";
        }

        if (options.Scenario == LabScenario.Warmup && options.KeysOption > 10_000)
        {
            return $"--keys {options.Keys}: the warmup scenario warms at most 10000 cold keys; lower --keys.";
        }

        return null;
    }

    private static string Example(string name) => name switch
    {
        "--scenario" => "bursts",
        "--lead" => "10",
        "--bursts" => "3",
        "--strategy" => "none,cachewarmer",
        "--backend-delay" => "0.5",
        "--ttl" or "--duration" => "30",
        "--out" => "lab-results",
        _ => "100",
    };

    private static string Limits(string name) => name switch
    {
        "--requests" => "1 to 100000",
        "--replicas" => "1 to 32",
        "--keys" => "1 to 1000000",
        "--rate" => "1 to 100000",
        "--bursts" => "1 to 20",
        "--lead" => "1 to 600",
        "--backend-delay" => "0 to 60",
        "--ttl" => "1 to 3600",
        _ => "1 to 86400",
    };

    private static int? Int(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;

    private static TimeSpan? Seconds(string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= min && s <= max
            ? TimeSpan.FromSeconds(s)
            : null;
}
