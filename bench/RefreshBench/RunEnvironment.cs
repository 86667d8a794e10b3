using System.Runtime.InteropServices;

namespace CacheWarmer.RefreshBench;

/// <summary>The machine and software the numbers were taken on.</summary>
internal sealed record RunEnvironment(int Cores, string Cpu, string Os, string Dotnet)
{
    public static RunEnvironment Read() => new(
        Environment.ProcessorCount,
        FirstValue("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString(),
        $"{FirstValue("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription} (kernel {Environment.OSVersion.Version})",
        $".NET {Environment.Version}");

    /// <summary>The 1-minute load average, from /proc/loadavg (the machine is shared).</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string? FirstValue(string path, string name, char separator)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var at = line.IndexOf(separator, StringComparison.Ordinal);
                if (at > 0 && line[..at].Trim() == name)
                {
                    return line[(at + 1)..].Trim();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
