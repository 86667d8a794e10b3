using CacheWarmer.RefreshBench;
using CacheWarmer.SchedulerBench;

var options = BenchOptions.Parse(args, out var error);
if (options is null)
{
    if (error is not null)
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine(BenchOptions.Usage);
    return error is null ? 0 : 64;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop the run but let it clean up its servers.
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    var report = new SchedulerReport(RunEnvironment.Read(), string.Join(' ', args), RunEnvironment.LoadAverage());
    if (options.Part is "triggers" or "both")
    {
        var keys = Enumerable.Range(1, options.Keys).Select(i => $"product:{i}").ToArray();
        foreach (var ttl in options.Ttls)
        {
            // Alternate the contenders so both see the same noise on this shared machine.
            var run = options with { Ttl = ttl };
            Console.WriteLine($"Triggers, {options.Keys:N0} keys, TTL {ttl.TotalSeconds:F0} s (about {options.Keys / ttl.TotalSeconds:N0} refreshes/s):");
            report.Add(await TriggerRun.RunAsync(async fired => await QuartzTriggers.StartAsync(options.Concurrency, fired), keys, run, cancel.Token));
            report.Add(await TriggerRun.RunAsync(fired => Task.FromResult<IContender>(new OwnSchedule(options.Concurrency, fired)), keys, run, cancel.Token));
        }
    }

    if (options.Part is "worker" or "both")
    {
        Console.WriteLine($"One replica keeping {options.Keys:N0} keys warm, TTL {options.WorkerTtl.TotalSeconds:F0} s:");
        report.Add(await WorkerScale.RunAsync(options, cancel.Token));
    }

    if (options.Part == "replicas")
    {
        Console.WriteLine($"{options.Replicas} replicas as processes keeping {options.Keys:N0} keys warm, TTL {options.WorkerTtl.TotalSeconds:F0} s:");
        report.Add(await ReplicaRun.RunAsync(options, cancel.Token));
    }

    if (options.Part == "cold")
    {
        Console.WriteLine($"One replica beside {options.ColdKeys:N0} loader keys nobody reads:");
        report.Add(await ColdKeys.RunAsync(options.ColdKeys, cancel.Token));
    }

    var markdown = report.Markdown(RunEnvironment.LoadAverage());
    Console.WriteLine();
    Console.Write(markdown);
    if (options.OutputFile is { } path)
    {
        await File.WriteAllTextAsync(path, markdown, CancellationToken.None);
        Console.WriteLine($"Written to {Path.GetFullPath(path)}");
    }

    return 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled; servers stopped.");
    return 130;
}
