using CacheWarmer.ThroughputBench;

var options = ThroughputOptions.Parse(args, out var error);
if (options is null)
{
    if (string.IsNullOrEmpty(error))
    {
        Console.WriteLine(ThroughputOptions.Usage);
        return 0;
    }

    Console.Error.WriteLine(error);
    Console.Error.WriteLine(ThroughputOptions.Usage);
    return 64;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop the run but let it clean up its servers.
    e.Cancel = true;
    cancel.Cancel();
};

AllocProfile.On = options.AllocationTypes;
using var allocations = new AllocProfile();
try
{
    var report = await Bench.RunAsync(options, cancel.Token);
    var markdown = report.Markdown();
    Console.WriteLine();
    Console.Write(markdown);
    if (options.OutputFile is { } path)
    {
        await File.WriteAllTextAsync(path, markdown, CancellationToken.None);
        Console.WriteLine($"Written to {Path.GetFullPath(path)}");
    }

    foreach (var (type, ticks) in AllocProfile.Types.OrderByDescending(t => t.Value).Take(40))
    {
        Console.WriteLine($"{ticks,6} allocation ticks  {type}");
    }

    return report.AllVerified ? 0 : 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled; servers stopped.");
    return 130;
}
