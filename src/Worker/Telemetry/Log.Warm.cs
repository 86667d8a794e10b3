using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheWarmer.Worker;

// Event ids 2100-2199: warms and the HTTP API. Keys are structured properties, never spliced into the text.
internal static partial class Log
{
    [LoggerMessage(2100, LogLevel.Information, "Warm {JobId} ({Trigger}) started: {Total} keys, at most {MaxPerSecond}/s and {MaxConcurrency} at once")]
    public static partial void WarmStarted(ILogger logger, string jobId, string trigger, int total, double maxPerSecond, int maxConcurrency);

    [LoggerMessage(2101, LogLevel.Information, "Warm {JobId}: {Done} of {Total} keys done, {Failed} failed")]
    public static partial void WarmProgress(ILogger logger, string jobId, int done, int total, int failed);

    [LoggerMessage(2102, LogLevel.Information, "Warm {JobId} {State}: {Loaded} loaded, {AlreadyWarm} already warm, {NotFound} not found, {Permanent} permanent, {Failed} failed, {Pending} not reached, in {Seconds:F1} s")]
    public static partial void WarmFinished(ILogger logger, string jobId, string state, int loaded, int alreadyWarm, int notFound, int permanent, int failed, int pending, double seconds);

    [LoggerMessage(2103, LogLevel.Error, "Warm {JobId}: warming {Key} failed unexpectedly")]
    public static partial void WarmKeyCrashed(ILogger logger, string jobId, LogText key, Exception exception);

    [LoggerMessage(2110, LogLevel.Information, "Accepted warm {JobId}: {Accepted} keys by {Mode} from {Remote}")]
    public static partial void WarmAccepted(ILogger logger, string jobId, int accepted, string mode, string remote);

    [LoggerMessage(2111, LogLevel.Information, "Refused a warm request from {Remote}: {Problems} problems, the first at {Field}")]
    public static partial void WarmRefused(ILogger logger, string remote, string field, int problems);

    [LoggerMessage(2112, LogLevel.Warning, "Refused {Method} {Path} from {Remote}: missing or wrong X-Api-Key")]
    public static partial void ApiKeyRefused(ILogger logger, string method, string path, string remote);

    [LoggerMessage(2113, LogLevel.Information, "Ops API listening on {Addresses}; {ApiKeyRule}")]
    public static partial void ApiListening(ILogger logger, string addresses, string apiKeyRule);

    [LoggerMessage(2114, LogLevel.Information, "Refused a pattern warm from {Remote}: CacheWarmer:Http:MaxConcurrentScans ({MaxScans}) scans are running")]
    public static partial void ScansBusy(ILogger logger, string remote, int maxScans);
}
