using CacheWarmer.StampedeLab;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop the run but let it stop its servers and reader processes.
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    return (await LabProgram.RunAsync(args, cancel.Token)).ExitCode;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled; servers stopped.");
    return 130;
}
