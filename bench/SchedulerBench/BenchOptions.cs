using System.Globalization;
using CacheWarmer.RefreshBench;

namespace CacheWarmer.SchedulerBench;

/// <summary>Command-line options.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/SchedulerBench -- [options]
          --part triggers|worker|cold|replicas|both   what to run (both = triggers and worker)
          --keys N                      keys planned / managed (100000)
          --cold-keys N                 loader keys nobody reads, in the cold part (1000000)
          --ttl SECONDS[,SECONDS...]    refresh period of each key, one triggers run per value (300,30,10)
          --work MS                     simulated refresh time in the triggers part (1)
          --concurrency N               refreshes at once, as Refresh:MaxConcurrency (32)
          --warm-up SECONDS             before lag is measured (5)
          --measure SECONDS             lag measured for this long (20; worker, replicas parts: 2 TTLs at least)
          --worker-ttl SECONDS          the loader's TTL in the worker and replicas parts (60)
          --replicas N                  worker processes in the replicas part (4)
          --kill-at SECONDS             replicas part: SIGKILL one replica this long into the measured window
          --join-at SECONDS             replicas part: start one more replica this long into the measured window
          --partition on|off            replicas part: Refresh:Partition of the workers (on)
          --gc server|workstation       replicas part: the workers' GC (server, as the image runs)
          --heap-limit MB               replicas part: the workers' GC heap limit, as a pod's memory limit sets it
                                        (the runtime takes 75 % of the limit: 384 for a 512 Mi pod; none)
          --memory-limit MB             replicas part: each worker in a memory cgroup of its own with this limit
                                        (MiB), as a pod's limit; the runtime then sizes its heap by itself (root)
          --env NAME=VALUE              replicas part: one more environment variable of the workers, for
                                        example a GC setting (DOTNET_GCgen0size=...); repeatable
          --out FILE                    also write the markdown report there
        """;

    public string Part { get; init; } = "both";

    public int Keys { get; init; } = 100_000;

    public int ColdKeys { get; init; } = 1_000_000;

    public IReadOnlyList<TimeSpan> Ttls { get; init; } = [TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10)];

    public TimeSpan Ttl { get; init; }

    public TimeSpan Work { get; init; } = TimeSpan.FromMilliseconds(1);

    public int Concurrency { get; init; } = 32;

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Measure { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan WorkerTtl { get; init; } = TimeSpan.FromSeconds(60);

    public int Replicas { get; init; } = 4;

    public TimeSpan? KillAt { get; init; }

    public TimeSpan? JoinAt { get; init; }

    public bool Partition { get; init; } = true;

    public bool WorkstationGc { get; init; }

    public int? HeapLimitMegabytes { get; init; }

    public int? MemoryLimitMegabytes { get; init; }

    public IReadOnlyDictionary<string, string> WorkerEnvironment { get; init; } = new Dictionary<string, string>();

    public string? OutputFile { get; init; }

    public static BenchOptions? Parse(string[] args, out string? error)
    {
        var options = new BenchOptions();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value.";
                return null;
            }

            var value = args[++i];
            options = name switch
            {
                "--part" when value is "triggers" or "worker" or "cold" or "replicas" or "both" => options with { Part = value },
                "--keys" when ArgValues.PositiveInt(value) is { } n => options with { Keys = n },
                "--cold-keys" when ArgValues.PositiveInt(value) is { } n => options with { ColdKeys = n },
                "--ttl" when ArgValues.PositiveInts(value) is { } ttls => options with { Ttls = [.. ttls.Select(t => TimeSpan.FromSeconds(t))] },
                "--work" when ArgValues.PositiveInt(value) is { } ms => options with { Work = TimeSpan.FromMilliseconds(ms) },
                "--concurrency" when ArgValues.PositiveInt(value) is { } n => options with { Concurrency = n },
                "--warm-up" when ArgValues.PositiveInt(value) is { } s => options with { WarmUp = TimeSpan.FromSeconds(s) },
                "--measure" when ArgValues.PositiveInt(value) is { } s => options with { Measure = TimeSpan.FromSeconds(s) },
                "--worker-ttl" when ArgValues.PositiveInt(value) is { } s => options with { WorkerTtl = TimeSpan.FromSeconds(s) },
                "--replicas" when ArgValues.PositiveInt(value) is { } n => options with { Replicas = n },
                "--kill-at" when ArgValues.PositiveInt(value) is { } s => options with { KillAt = TimeSpan.FromSeconds(s) },
                "--join-at" when ArgValues.PositiveInt(value) is { } s => options with { JoinAt = TimeSpan.FromSeconds(s) },
                "--partition" when value is "on" or "off" => options with { Partition = value == "on" },
                "--gc" when value is "server" or "workstation" => options with { WorkstationGc = value == "workstation" },
                "--heap-limit" when ArgValues.PositiveInt(value) is { } mb => options with { HeapLimitMegabytes = mb },
                "--memory-limit" when ArgValues.PositiveInt(value) is { } mb => options with { MemoryLimitMegabytes = mb },
                "--env" when value.Split('=', 2) is [{ Length: > 0 } env, var setting] =>
                    options with { WorkerEnvironment = new Dictionary<string, string>(options.WorkerEnvironment) { [env] = setting } },
                "--out" => options with { OutputFile = value },
                _ => null,
            };
            if (options is null)
            {
                error = $"{name} {value}: unknown option or bad value (see the usage below).";
                return null;
            }
        }

        return options;
    }
}
