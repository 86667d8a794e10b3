using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace CacheWarmer.ThroughputBench;

/// <summary>
/// Counts the runtime's allocation-tick events (one per about 100 KB allocated) by type: which types the allocations
/// are, roughly in proportion. The whole process counts, bench included. On only with --alloc-types.
/// </summary>
internal sealed class AllocProfile : EventListener
{
    public static readonly ConcurrentDictionary<string, long> Types = new(StringComparer.Ordinal);

    public static bool On { get; set; }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime" && On)
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.Payload is { } p)
        {
            var name = e.PayloadNames!.IndexOf("TypeName") is var i and >= 0 ? p[i]?.ToString() ?? "?" : "?";
            Types.AddOrUpdate(name, 1, (_, n) => n + 1);
        }
    }
}
