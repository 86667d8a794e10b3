using System.Globalization;
using System.Text;

namespace CacheWarmer.DemoApp.Traffic;

/// <summary>Everything the app prints: one aligned status line per interval, a few notable events, the verdict.</summary>
internal sealed class StatusPrinter(TrafficOptions options)
{
    // The first few misses are worth a line each (which key, when); after that the counters tell the story.
    private const int MissesShown = 5;
    private const int ErrorsShown = 5;
    private long _errorsShown;
    private long _mismatchesShown;

    public static void Say(string message) => Console.WriteLine("[app] " + message);

    public void Start()
    {
        Say(Invariant($"reading product:1..product:{options.Keys} (Zipf-skewed) from Redis at {options.Redis}, ") +
            Invariant($"{options.Readers} readers, ~{options.ReadsPerSecond} reads/s, for {options.Duration.TotalSeconds:0}s (Ctrl-C stops early)"));
        Say(Invariant($"on a miss: load from {options.Database}, SET with TTL {options.Ttl.TotalSeconds:0}s") +
            (options.SendSamples ? Invariant($"; read counts go to {options.KeyPrefix}samples each second") : string.Empty));
    }

    public static void Status(TrafficSnapshot s) => Say(
        Invariant($"t={s.Elapsed.TotalSeconds,4:0}s  reads={s.Reads,7:N0}  hits={s.Hits,7:N0}  cold-misses={s.ColdMisses,3:N0}  ") +
        Invariant($"misses-after-warmup={s.MissesAfterWarmup,3:N0}  db-loads(app)={s.DatabaseLoads,4:N0}  mismatches={s.Mismatches:N0}") +
        (s.Errors > 0 ? Invariant($"  errors={s.Errors:N0}") : string.Empty));

    public void KeyExpired(string key, long missesAfterWarmup)
    {
        if (missesAfterWarmup <= MissesShown)
        {
            Say($"MISS {key} expired under the readers after warm-up" +
                (missesAfterWarmup == MissesShown ? " (further misses are only counted)" : string.Empty));
        }
    }

    public void ReadFailed(string key, Exception error)
    {
        if (Interlocked.Increment(ref _errorsShown) <= ErrorsShown)
        {
            Say($"ERROR reading {key}: {error.GetType().Name}: {error.Message}");
        }
    }

    public void Mismatch(string key, byte[] cached, byte[]? expected)
    {
        if (Interlocked.Increment(ref _mismatchesShown) <= MissesShown)
        {
            Say($"MISMATCH {key}: Redis holds {Encoding.UTF8.GetString(cached)} but the database gives " +
                (expected is null ? "no row" : Encoding.UTF8.GetString(expected)));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
