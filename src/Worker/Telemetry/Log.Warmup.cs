using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheWarmer.Worker;

// Event ids 2200-2299: scheduled warmups.
internal static partial class Log
{
    [LoggerMessage(2200, LogLevel.Information, "Warmup {Warmup} scheduled: cron \"{Cron}\" in {TimeZone}; first firing at {FirstFire:O}")]
    public static partial void WarmupScheduled(ILogger logger, string warmup, string cron, string timeZone, DateTimeOffset firstFire);

    [LoggerMessage(2201, LogLevel.Information, "Warmup {Warmup} firing {ScheduledFire:O} started here: {Total} keys, {Remaining} to warm, at most {MaxPerSecond}/s and {MaxConcurrency} at once, pinned until {PinUntil:O}")]
    public static partial void WarmupStarted(ILogger logger, string warmup, DateTimeOffset scheduledFire, int total, int remaining, double maxPerSecond, int maxConcurrency, DateTimeOffset pinUntil);

    [LoggerMessage(2202, LogLevel.Information, "Warmup {Warmup} firing {ScheduledFire:O} done: {Loaded} loaded, {AlreadyWarm} already warm, {NotFound} not found, {Permanent} permanent, {Failed} failed, in {Seconds:F1} s")]
    public static partial void WarmupFinished(ILogger logger, string warmup, DateTimeOffset scheduledFire, int loaded, int alreadyWarm, int notFound, int permanent, int failed, double seconds);

    [LoggerMessage(2203, LogLevel.Warning, "Warmup {Warmup} firing {ScheduledFire:O} skipped: its window ended at {WindowEnd:O} before it could run (no replica was running, or it was busy)")]
    public static partial void WarmupMissed(ILogger logger, string warmup, DateTimeOffset scheduledFire, DateTimeOffset windowEnd);

    [LoggerMessage(2204, LogLevel.Warning, "Warmup {Warmup} firing {ScheduledFire:O} runs {LateSeconds:F0} s late; its window lasts until {WindowEnd:O}")]
    public static partial void WarmupLate(ILogger logger, string warmup, DateTimeOffset scheduledFire, double lateSeconds, DateTimeOffset windowEnd);

    [LoggerMessage(2205, LogLevel.Error, "Warmup {Warmup} firing {ScheduledFire:O}: {Problem}")]
    public static partial void WarmupKeysProblem(ILogger logger, string warmup, DateTimeOffset scheduledFire, LogText problem);

    [LoggerMessage(2206, LogLevel.Warning, "Warmup {Warmup} firing {ScheduledFire:O}: took over from replica {Replica}, whose heartbeat stopped; warming the keys it left")]
    public static partial void WarmupTakenOver(ILogger logger, string warmup, DateTimeOffset scheduledFire, string replica);

    [LoggerMessage(2207, LogLevel.Warning, "Warmup {Warmup} firing {ScheduledFire:O} interrupted after {Done} of {Remaining} keys (stopping, or its lease was lost); another replica finishes it")]
    public static partial void WarmupInterrupted(ILogger logger, string warmup, DateTimeOffset scheduledFire, int done, int remaining);

    [LoggerMessage(2208, LogLevel.Error, "Warmup {Warmup} firing {ScheduledFire:O} failed unexpectedly; later firings still run")]
    public static partial void WarmupCrashed(ILogger logger, string warmup, DateTimeOffset scheduledFire, Exception exception);

    [LoggerMessage(2209, LogLevel.Warning, "Warmup: Redis failed while warming {Key}")]
    public static partial void WarmupKeyFailed(ILogger logger, LogText key, Exception exception);

    [LoggerMessage(2211, LogLevel.Information, "Warmup {Warmup} firing {ScheduledFire:O}: predicted {Predicted} keys from {SlotsWithHistory} of {Slots} history slots of the last {Weeks} weeks")]
    public static partial void WarmupPredicted(ILogger logger, string warmup, DateTimeOffset scheduledFire, int predicted, int slotsWithHistory, int slots, int weeks);

    [LoggerMessage(2212, LogLevel.Debug, "Access history of the slot starting {SlotStart:O} recorded here: {Keys} keys")]
    public static partial void HistoryRecorded(ILogger logger, DateTimeOffset slotStart, int keys);

    [LoggerMessage(2213, LogLevel.Warning, "Access history of the slot ending {SlotEnd:O} not recorded: Redis failed; predictions leave that slot out")]
    public static partial void HistoryFailed(ILogger logger, DateTimeOffset slotEnd, Exception exception);

    [LoggerMessage(2214, LogLevel.Warning, "Warmup {Warmup} firing {ScheduledFire:O}: extending its lease failed; tried again at the next tick, {LeftMs} ms before the lease runs out")]
    public static partial void WarmupLeaseExtendFailed(ILogger logger, string warmup, DateTimeOffset scheduledFire, long leftMs, Exception exception);

    [LoggerMessage(2215, LogLevel.Error, "Warmup {Warmup} firing {ScheduledFire:O}: its lease could not be extended and runs out in {LeftMs} ms; stopping the firing here so it never runs unfenced (Redis errors: see the warnings before)")]
    public static partial void WarmupLeaseRunningOut(ILogger logger, string warmup, DateTimeOffset scheduledFire, long leftMs);

    [LoggerMessage(2216, LogLevel.Warning, "Warmup {Warmup} firing {ScheduledFire:O}: its lease is held by someone else now (this replica stalled past Refresh:LeaseTtl); stopping the firing here")]
    public static partial void WarmupLeaseLost(ILogger logger, string warmup, DateTimeOffset scheduledFire);
}
