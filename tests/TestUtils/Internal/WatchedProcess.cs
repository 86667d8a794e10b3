using System.Diagnostics;
using System.Text;

namespace CacheWarmer.TestUtils.Internal;

/// <summary>
/// A server process that cannot outlive the test host. It runs under a small bash guard that reads our stdin pipe:
/// when the host exits for any reason, even SIGKILL, the kernel closes the pipe and the guard kills the server.
/// </summary>
internal sealed class WatchedProcess : IDisposable
{
    // fd 3 keeps the host's pipe for the guard (bash gives background jobs /dev/null as stdin). Whichever ends first,
    // server or guard, the shell stops the other and reaps both, so nothing is left to an init that may not reap;
    // and a server that dies at start (port taken, bad config) ends the shell at once.
    private const string GuardScript =
        """
        sig=$1; shift
        exec 3<&0
        "$@" </dev/null 3<&- &
        child=$!
        cat <&3 >/dev/null 2>&1 &
        guard=$!
        exec 3<&-
        wait -n "$child" "$guard"
        kill -s "$sig" "$child" 2>/dev/null
        kill "$guard" 2>/dev/null
        wait "$child"
        status=$?
        wait "$guard"
        exit "$status"
        """;

    private const int TailLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private WatchedProcess(Process process)
    {
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/>; <paramref name="killSignal"/> is what the guard sends if the host dies.</summary>
    public static WatchedProcess Start(string fileName, IEnumerable<string> arguments, string killSignal)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The caller's directory may be closed to a server running as another user.
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(GuardScript);
        info.ArgumentList.Add("guard");
        info.ArgumentList.Add(killSignal);
        info.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var watched = new WatchedProcess(process);
        process.OutputDataReceived += (_, e) => watched.Record(e.Data);
        process.ErrorDataReceived += (_, e) => watched.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return watched;
    }

    /// <summary>The last lines the server printed, for failure messages.</summary>
    public string Output()
    {
        lock (_tail)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>Stops the server (the guard sends it the kill signal) and waits until it and the guard are gone.</summary>
    public async Task StopAsync()
    {
        CloseInput();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree();
        }
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        CloseInput();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            KillTree();
        }

        _process.Dispose();
    }

    private void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The shell is already gone.
        }
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => CloseInput();

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }
}
