using System.Globalization;
using CacheWarmer.IntegrationTests.Infrastructure;

namespace CacheWarmer.SchedulerBench;

/// <summary>
/// One worker replica as its own process (the CacheWarmer.Worker.dll in this bench's output, started as the
/// integration tests start it), with what the bench learns of it: its <c>/metrics</c> scrapes and its peak RSS.
/// </summary>
internal sealed class Replica : IAsyncDisposable
{
    private static readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    private readonly WorkerProcess _process;

    private Replica(string name, string role, WorkerProcess process, TimeSpan startedAt)
    {
        Name = name;
        Role = role;
        _process = process;
        StartedAt = startedAt;
    }

    public string Name { get; }

    /// <summary>"initial", or "joined" for the one started during the measured window.</summary>
    public string Role { get; }

    public int Pid => _process.Id;

    /// <summary>When it started, on the run's clock.</summary>
    public TimeSpan StartedAt { get; }

    /// <summary>When it was killed (SIGKILL), on the run's clock; null while it lives.</summary>
    public TimeSpan? KilledAt { get; private set; }

    public bool Alive => KilledAt is null;

    /// <summary>The scrape the measured window starts from (empty for a replica started inside it).</summary>
    public MetricsScrape Baseline { get; set; } = MetricsScrape.Empty;

    /// <summary>The latest scrape that answered; a killed replica keeps its last one.</summary>
    public MetricsScrape? Last { get; private set; }

    /// <summary>Failed scrapes (timeouts under load), so a stale last scrape does not go unnoticed.</summary>
    public int FailedScrapes { get; private set; }

    /// <summary>The highest VmHWM (peak resident set) read from /proc, in bytes.</summary>
    public long PeakRss { get; private set; }

    /// <summary>
    /// The highest RssAnon (resident memory not backed by a file: the heaps, not the mapped assemblies) among the
    /// samples, in bytes: what a container's memory limit cannot reclaim.
    /// </summary>
    public long PeakAnon { get; private set; }

    /// <summary>With <c>--memory-limit</c>: the peak usage of the replica's memory cgroup, and how often the kernel killed in it.</summary>
    public (long PeakBytes, long OomKills)? Cgroup { get; private set; }

    /// <summary>
    /// Starts a worker with <paramref name="settings"/> (configuration keys with colons) and an API on a free loopback
    /// port; returns once it listens.
    /// </summary>
    public static async Task<Replica> StartAsync(string name, string role, IReadOnlyDictionary<string, string?> settings, string redis, TimeSpan startedAt)
    {
        var config = new WorkerConfig(redis, WorkerScale.Prefix);
        // The bench's settings only: none of the tests' short timings.
        config.Settings.Clear();
        foreach (var (key, value) in settings)
        {
            config.Settings[key] = value;
        }

        // Port 0: the system picks a free port; the process logs which.
        config.Settings["CacheWarmer:Http:Urls"] = "http://127.0.0.1:0";
        var process = await WorkerProcess.StartAsync(config);
        var replica = new Replica(name, role, process, startedAt);
        replica.SampleMemory();
        return replica;
    }

    /// <summary>Reads <c>/metrics</c>; null when the replica does not answer (it keeps its last scrape).</summary>
    public async Task<MetricsScrape?> ScrapeAsync(CancellationToken cancellationToken)
    {
        if (!Alive || _process.BaseAddress is not { } address)
        {
            return null;
        }

        try
        {
            var text = await _http.GetStringAsync(new Uri(address, "metrics"), cancellationToken);
            Last = MetricsScrape.Parse(text);
            return Last;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            FailedScrapes++;
            return null;
        }
    }

    /// <summary>Reads VmHWM (the kernel's peak resident set of the process) and RssAnon from /proc/PID/status.</summary>
    public void SampleMemory()
    {
        Cgroup = MemoryCgroup.Read(Pid) ?? Cgroup;
        if (!Alive)
        {
            return;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    PeakRss = Math.Max(PeakRss, Kilobytes(line, "VmHWM:") * 1024);
                }
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    PeakAnon = Math.Max(PeakAnon, Kilobytes(line, "RssAnon:") * 1024);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process is gone; the last sample stands.
        }
    }

    private static long Kilobytes(string line, string field) =>
        long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>SIGKILL, as the kernel kills a container: no drain, leases left behind. Samples memory first.</summary>
    public void Kill(TimeSpan at)
    {
        SampleMemory();
        _process.Kill();
        KilledAt = at;
    }

    /// <summary>How many warnings and errors the process logged, and the first of each (a reconnect, a resync...).</summary>
    public string Complaints()
    {
        var lines = _process.Output.Split(Environment.NewLine);
        var warnings = lines.Where(l => l.Contains(" WRN]", StringComparison.Ordinal)).ToArray();
        var errors = lines.Where(l => l.Contains(" ERR]", StringComparison.Ordinal) || l.Contains(" FTL]", StringComparison.Ordinal)).ToArray();
        return $"{warnings.Length:N0} warnings, {errors.Length:N0} errors logged" +
            (warnings.Length > 0 ? $"; first warning: {warnings[0]}" : "") +
            (errors.Length > 0 ? $"; first error: {errors[0]}" : "");
    }

    /// <summary>The process's last lines, for a report of why it failed.</summary>
    public string Tail(int lines) => string.Join(Environment.NewLine, _process.Output.Split(Environment.NewLine).TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        var pid = Pid;
        await _process.DisposeAsync();
        MemoryCgroup.Remove(pid);
    }
}
