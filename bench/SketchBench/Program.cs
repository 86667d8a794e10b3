using CacheWarmer.SketchBench;

var options = BenchOptions.Parse(args, out var error);
if (options is null)
{
    if (string.IsNullOrEmpty(error))
    {
        Console.WriteLine(BenchOptions.Usage);
        return 0;
    }

    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 64;
}

var report = SketchRun.Run(options, Console.Out);
var markdown = report.Markdown();
if (options.StreamEntries > 0)
{
    markdown += "\n" + await StreamThroughput.RunAsync(options, Console.Out);
}

Console.WriteLine();
Console.Write(markdown);
if (options.OutputFile is { } path)
{
    await File.WriteAllTextAsync(path, markdown);
    Console.WriteLine($"Written to {Path.GetFullPath(path)}");
}

return 0;
