using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using CacheWarmer.StampedeLab.Reader;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>
/// Launches reader processes (copies of this lab with the hidden <c>reader</c> subcommand), echoes their output and
/// collects their results. They run on the same dotnet host as this process; when the lab's own runtimeconfig is not
/// beside its assembly (it runs inside a test host), the entry assembly's runtimeconfig and deps are used.
/// </summary>
internal static class ReaderProcesses
{
    public static async Task<ReaderResult[]> RunAsync(IReadOnlyList<ReaderSpec> specs, string workDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var running = new List<(Process Process, StringBuilder Errors, ReaderSpec Spec)>();
        try
        {
            foreach (var spec in specs)
            {
                var specPath = Path.Combine(workDirectory, $"{spec.Strategy}-p{spec.Process}.json");
                await File.WriteAllTextAsync(specPath, JsonSerializer.Serialize(spec, ReaderProgram.Json), cancellationToken);
                running.Add(Start(specPath));
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            foreach (var (process, errors, spec) in running)
            {
                try
                {
                    await process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"Reader process {spec.Process} of {spec.Strategy} did not finish within {timeout.TotalSeconds:0} s.");
                }

                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"Reader process {spec.Process} of {spec.Strategy} exited with {process.ExitCode}:{Environment.NewLine}{errors}");
                }
            }

            var results = new ReaderResult[specs.Count];
            for (var i = 0; i < specs.Count; i++)
            {
                results[i] = JsonSerializer.Deserialize<ReaderResult>(await File.ReadAllTextAsync(specs[i].ResultPath, cancellationToken), ReaderProgram.Json)
                    ?? throw new InvalidOperationException($"{specs[i].ResultPath} holds no result.");
            }

            return results;
        }
        finally
        {
            foreach (var (process, _, _) in running)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }

        (Process, StringBuilder, ReaderSpec) Start(string specPath)
        {
            var info = new ProcessStartInfo(DotnetHost())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in LabArguments())
            {
                info.ArgumentList.Add(argument);
            }

            info.ArgumentList.Add("reader");
            info.ArgumentList.Add(specPath);
            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start a reader process.");
            var errors = new StringBuilder();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    Console.WriteLine("  " + line);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (errors)
                    {
                        errors.AppendLine(line);
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var spec = specs.First(s => specPath.EndsWith($"{s.Strategy}-p{s.Process}.json", StringComparison.Ordinal));
            return (process, errors, spec);
        }
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    /// <summary><c>exec [--runtimeconfig X --depsfile Y] lab.dll</c>.</summary>
    private static List<string> LabArguments()
    {
        var lab = typeof(ReaderProcesses).Assembly.Location;
        var arguments = new List<string> { "exec" };
        if (!File.Exists(Path.ChangeExtension(lab, ".runtimeconfig.json")) && Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry)
        {
            arguments.AddRange(["--runtimeconfig", Path.ChangeExtension(entry, ".runtimeconfig.json"), "--depsfile", Path.ChangeExtension(entry, ".deps.json")]);
        }

        arguments.Add(lab);
        return arguments;
    }
}
