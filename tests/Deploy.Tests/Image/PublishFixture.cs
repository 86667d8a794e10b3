using System.Diagnostics;

namespace CacheWarmer.Deploy.Tests.Image;

/// <summary>
/// Publishes src/Worker once, the way the Dockerfile's build stage does (its `dotnet publish` arguments, another output
/// folder), for every test of the class. About 30-60 s on two cores: the slowest part of this project.
/// </summary>
public sealed class PublishFixture : IAsyncLifetime
{
    public string Output { get; } = Path.Combine(Path.GetTempPath(), "cachewarmer-publish-" + Guid.NewGuid().ToString("N"));

    public Dockerfile Dockerfile { get; } = Dockerfile.Read();

    public async ValueTask InitializeAsync()
    {
        var arguments = Dockerfile.PublishArguments(Output)
            // Restore is the solution's (the test run restored it); build servers would outlive the test.
            .Where(a => a != "--no-restore")
            .Concat(["--disable-build-servers", "-nodeReuse:false", "-p:UseSharedCompilation=false"]);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host may run under `dotnet test`, whose MSBuild settings must not leak into this build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(Output))
        {
            Directory.Delete(Output, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
