using CacheWarmer.StampedeLab.Reader;
using CacheWarmer.StampedeLab.Report;

namespace CacheWarmer.StampedeLab;

/// <summary>The command line: the lab itself, or (hidden) one reader process it launched.</summary>
internal static class LabProgram
{
    /// <summary>Exit code of a bad command line.</summary>
    public const int UsageError = 2;

    public static async Task<(int ExitCode, LabReport? Report)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args is ["reader", var spec])
        {
            return (await ReaderProgram.RunAsync(spec), null);
        }

        var options = LabOptions.Parse(args, out var error);
        if (options is null)
        {
            if (string.IsNullOrEmpty(error))
            {
                Console.WriteLine(LabOptions.Usage);
                return (0, null);
            }

            await Console.Error.WriteLineAsync($"error: {error}");
            await Console.Error.WriteLineAsync("Run with --help for every option.");
            return (UsageError, null);
        }

        var report = await LabRun.RunAsync(options, cancellationToken);
        string? expiryChart = null, zipfChart = null;
        if (options.OutputDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            var title = LabMarkdown.CommandLine(options);
            if (report.Expiry.Count > 0)
            {
                expiryChart = "expiry.svg";
                await File.WriteAllTextAsync(Path.Combine(directory, expiryChart), LabSvg.Expiry(report.Expiry, title), cancellationToken);
            }

            if (report.Zipf.Count > 0)
            {
                zipfChart = "zipf.svg";
                await File.WriteAllTextAsync(Path.Combine(directory, zipfChart), LabSvg.Zipf(report.Zipf, title), cancellationToken);
            }
        }

        var markdown = LabMarkdown.Write(report, expiryChart, zipfChart);
        Console.WriteLine();
        Console.Write(markdown);
        if (options.OutputDirectory is { } dir)
        {
            var path = Path.Combine(dir, "results.md");
            await File.WriteAllTextAsync(path, markdown, cancellationToken);
            Console.WriteLine($"Written to {Path.GetFullPath(path)} (and the chart beside it)");
        }

        return (0, report);
    }
}
