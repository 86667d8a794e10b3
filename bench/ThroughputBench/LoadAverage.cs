namespace CacheWarmer.ThroughputBench;

internal static class LoadAverage
{
    /// <summary>The 1-minute load average, from /proc/loadavg (the machine is shared).</summary>
    public static string Now()
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
}
