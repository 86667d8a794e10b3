using System.Globalization;

namespace CacheWarmer.SchedulerBench;

/// <summary>
/// Runs each worker process in a memory cgroup of its own with a limit, as a pod runs its container: the runtime sees
/// the limit at start (its GC heap takes 75 % of it and its memory load counts against it) and the kernel kills a
/// process that cannot be kept under it. cgroup v1 (<c>/sys/fs/cgroup/memory</c>, as on the reference machine); needs
/// root. The workers are started as <c>dotnet CacheWarmer.Worker.dll</c>, so a script named <c>dotnet</c> put first on
/// the bench's PATH makes a cgroup named after its own pid, moves itself into it and execs the real dotnet, which
/// keeps the pid: a replica's cgroup is found from its pid, also after the process is gone. Bash, not sh: dash drops
/// the variables whose names have dots (the Serilog level overrides) before the exec.
/// </summary>
internal static class MemoryCgroup
{
    private const string Root = "/sys/fs/cgroup/memory";

    /// <summary>Makes every worker started from now on run under <paramref name="megabytes"/> MiB.</summary>
    public static void Install(int megabytes)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(Path.Combine(Root, "memory.limit_in_bytes")))
        {
            throw new InvalidOperationException($"--memory-limit needs the cgroup v1 memory controller at {Root} (and root)");
        }

        var dotnet = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "dotnet"))
            .FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("dotnet is not on PATH");
        var dir = Directory.CreateTempSubdirectory("cachewarmer-cgroup-").FullName;
        var script = Path.Combine(dir, "dotnet");
        File.WriteAllText(script, $"""
            #!/bin/bash
            set -e
            group={Root}/{Prefix}$$
            mkdir -p "$group"
            echo {(long)megabytes * 1024 * 1024} > "$group/memory.limit_in_bytes"
            echo $$ > "$group/cgroup.procs"
            exec {dotnet} "$@"

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable("PATH", dir + ":" + Environment.GetEnvironmentVariable("PATH"));
    }

    /// <summary>The cgroup's peak usage (memory.max_usage_in_bytes) and its OOM kills; null when the process has none.</summary>
    public static (long PeakBytes, long OomKills)? Read(int pid)
    {
        var group = Path.Combine(Root, Prefix + pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            var peak = long.Parse(File.ReadAllText(Path.Combine(group, "memory.max_usage_in_bytes")).Trim(), CultureInfo.InvariantCulture);
            var kills = File.ReadLines(Path.Combine(group, "memory.oom_control"))
                .Where(line => line.StartsWith("oom_kill ", StringComparison.Ordinal))
                .Select(line => long.Parse(line["oom_kill ".Length..], CultureInfo.InvariantCulture))
                .FirstOrDefault();
            return (peak, kills);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Removes the replica's cgroup once its process is gone (the kernel refuses while it holds a process).</summary>
    public static void Remove(int pid)
    {
        var group = Path.Combine(Root, Prefix + pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            if (Directory.Exists(group))
            {
                Directory.Delete(group);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still busy or not ours: left for the machine's owner, named after the pid.
        }
    }

    private const string Prefix = "cachewarmer-bench-";
}
