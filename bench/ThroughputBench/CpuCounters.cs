using System.Diagnostics;
using System.Globalization;

namespace CacheWarmer.ThroughputBench;

/// <summary>CPU time read from /proc: the whole machine, this process, and a server's process tree.</summary>
internal static class CpuCounters
{
    // USER_HZ: /proc reports CPU times in these ticks; 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    /// <summary>This process's CPU time: the worker host and the bench driving it.</summary>
    public static TimeSpan Process()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Busy and total CPU time of the whole machine (all cores, every process of every tenant).</summary>
    public static (TimeSpan Busy, TimeSpan Total) Machine()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = fields.Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = ticks[3] + ticks[4];
            var total = ticks.Take(8).Sum();
            return (FromTicks(total - idle), FromTicks(total));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return (TimeSpan.Zero, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// CPU time of the PostgreSQL server listening on <paramref name="port"/>: the postmaster, its live backends, and
    /// the backends that already exited (the postmaster's reaped children).
    /// </summary>
    public static TimeSpan Postgres(int port)
    {
        var postmaster = FindPostmaster(port);
        if (postmaster is null)
        {
            return TimeSpan.Zero;
        }

        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid) is { } stat && (pid == postmaster || stat.ParentPid == postmaster))
            {
                ticks += stat.Own + (pid == postmaster ? stat.Children : 0);
            }
        }

        return FromTicks(ticks);
    }

    private static int? FindPostmaster(int port)
    {
        var flag = "-p\0" + port.ToString(CultureInfo.InvariantCulture) + "\0";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && File.ReadAllText(Path.Combine(dir, "cmdline")) is var cmdline
                    && cmdline.Contains(flag, StringComparison.Ordinal)
                    && cmdline.Split('\0')[0].EndsWith("postgres", StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static (int ParentPid, long Own, long Children)? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name may hold spaces and parentheses: the fields start after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int n) => long.Parse(fields[n - 3], CultureInfo.InvariantCulture);
            return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static TimeSpan FromTicks(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);

    /// <summary>A stopwatch-like reading of every counter at one instant.</summary>
    public static Snapshot Read(int? postgresPort) => new(
        Stopwatch.GetTimestamp(), Process(), Machine(), postgresPort is { } port ? Postgres(port) : TimeSpan.Zero);

    internal sealed record Snapshot(long Timestamp, TimeSpan Process, (TimeSpan Busy, TimeSpan Total) Machine, TimeSpan Postgres);
}
