using System.Diagnostics;
using System.Text;

namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// The worker as a real process (the same CacheWarmer.Worker.dll the image runs), configured by environment variables,
/// so a test can kill it the way the kernel kills a container: SIGKILL, no shutdown hooks, leases left behind.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The start of the line the worker logs once its API listens.</summary>
    public const string ApiListening = "Ops API listening on ";

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Where the process's API listens (read from Kestrel's "Now listening on" line), such as http://127.0.0.1:41234/.</summary>
    public Uri? BaseAddress { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the worker. With <paramref name="serilogSection"/> false it gets no <c>Serilog</c> settings at all (neither
    /// the console sink added here nor the config's levels), as when only the <c>CacheWarmer</c> section is given.
    /// </summary>
    public static async Task<WorkerProcess> StartAsync(WorkerConfig config, bool serilogSection = true)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CacheWarmer.Worker.dll")])
        {
            // Not the test folder: the worker must take its whole configuration from the environment here.
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in config.AsEnvironment())
        {
            if (serilogSection || !key.StartsWith("Serilog__", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment[key] = value;
            }
        }

        if (serilogSection)
        {
            start.Environment["Serilog__Using__0"] = "Serilog.Sinks.Console";
            start.Environment["Serilog__WriteTo__0__Name"] = "Console";
            start.Environment["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Information";
        }

        var worker = new WorkerProcess(Process.Start(start)!);
        worker._process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        var started = await Task.WhenAny(worker._started.Task, worker._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (!worker._started.Task.IsCompleted)
        {
            await worker.DisposeAsync();
            throw new InvalidOperationException($"The worker process did not start. Its output:{Environment.NewLine}{worker.Output}");
        }

        return worker;
    }

    /// <summary>SIGKILL: the process gets no chance to drain or release anything.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        const string Listening = "Now listening on: ";
        var listening = line.IndexOf(Listening, StringComparison.Ordinal);
        if (listening >= 0 && BaseAddress is null)
        {
            BaseAddress = new Uri(line[(listening + Listening.Length)..].Trim().TrimEnd('/') + "/");
        }

        // The host's own line, or (where Microsoft's categories log only warnings) the worker's, logged at the same moment.
        if (line.Contains("Application started", StringComparison.Ordinal) || line.Contains(ApiListening, StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }
}
