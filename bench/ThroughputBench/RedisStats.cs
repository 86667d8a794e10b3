using System.Globalization;
using StackExchange.Redis;

namespace CacheWarmer.ThroughputBench;

/// <summary>
/// What Redis says it did: calls and time per command (<c>INFO commandstats</c>), commands processed, and its CPU time
/// (<c>INFO cpu</c>, all of its threads). Read before and after a run; the difference is the run's.
/// </summary>
internal sealed record RedisStats(IReadOnlyDictionary<string, (long Calls, long Usec)> Commands, long Processed, TimeSpan Cpu)
{
    public static async Task<RedisStats> ReadAsync(IServer server)
    {
        // The default INFO leaves commandstats out; ask for each section.
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var section in (string[])["commandstats", "cpu", "stats"])
        {
            foreach (var (key, value) in (await server.InfoAsync(section)).SelectMany(g => g))
            {
                values[key] = value;
            }
        }

        var commands = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var (name, text) in values)
        {
            if (name.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                commands[name["cmdstat_".Length..]] = (Field(text, "calls"), Field(text, "usec"));
            }
        }

        var cpu = double.Parse(values["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(values["used_cpu_sys"], CultureInfo.InvariantCulture);
        return new RedisStats(commands, long.Parse(values["total_commands_processed"], CultureInfo.InvariantCulture), TimeSpan.FromSeconds(cpu));
    }

    /// <summary>The commands run between <paramref name="before"/> and this, by name; the reading's own INFO left out.</summary>
    public RedisDelta Since(RedisStats before)
    {
        var commands = new SortedDictionary<string, (long Calls, long Usec)>(StringComparer.Ordinal);
        foreach (var (name, (calls, usec)) in Commands)
        {
            var (calls0, usec0) = before.Commands.GetValueOrDefault(name);
            if (calls - calls0 > 0 && name != "info")
            {
                commands[name] = (calls - calls0, usec - usec0);
            }
        }

        // total_commands_processed counts the commands scripts run, and the INFOs that read these figures; leave those out.
        var infos = Commands.GetValueOrDefault("info").Calls - before.Commands.GetValueOrDefault("info").Calls;
        return new RedisDelta(commands, Processed - before.Processed - infos, Cpu - before.Cpu);
    }

    private static long Field(string text, string name)
    {
        foreach (var part in text.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part.AsSpan(0, eq).SequenceEqual(name))
            {
                return long.Parse(part.AsSpan(eq + 1), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}

/// <summary>The commands of one run: calls and microseconds inside Redis by command, all commands, Redis CPU.</summary>
internal sealed record RedisDelta(IReadOnlyDictionary<string, (long Calls, long Usec)> Commands, long Processed, TimeSpan Cpu);
