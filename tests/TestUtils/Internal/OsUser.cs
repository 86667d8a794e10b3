using System.Diagnostics;

namespace CacheWarmer.TestUtils.Internal;

/// <summary>PostgreSQL refuses to run as root, so as root its commands run as the <c>postgres</c> OS user.</summary>
internal static class OsUser
{
    public const string Postgres = "postgres";

    /// <summary>The command and arguments that run <paramref name="executable"/> as the postgres user when we are root.</summary>
    public static (string FileName, List<string> Arguments) AsPostgres(string executable, IEnumerable<string> arguments)
    {
        if (!Executables.IsRoot)
        {
            return (executable, [.. arguments]);
        }

        // setpriv execs in place (runuser forks), so the pid we hold is the server's own.
        return ("setpriv", ["--reuid", Postgres, "--regid", Postgres, "--init-groups", "--", executable, .. arguments]);
    }

    public static async Task RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName)
        {
            // The caller's directory may be closed to the postgres user.
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:{Environment.NewLine}" +
                $"{await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}");
        }
    }

    public static Task RunAsPostgresAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var (fileName, list) = AsPostgres(executable, arguments);
        return RunAsync(fileName, list, cancellationToken);
    }

    /// <summary>Hands <paramref name="directory"/> to the postgres user when we are root.</summary>
    public static Task GiveToPostgresAsync(string directory, CancellationToken cancellationToken) =>
        Executables.IsRoot
            ? RunAsync("chown", ["-R", $"{Postgres}:{Postgres}", directory], cancellationToken)
            : Task.CompletedTask;
}
