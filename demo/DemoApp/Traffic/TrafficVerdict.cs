using System.Globalization;

namespace CacheWarmer.DemoApp.Traffic;

/// <summary>Judges a run: did any warm key expire under the readers, and did every hit hold the right bytes?</summary>
internal static class TrafficVerdict
{
    /// <summary>Prints the verdict block and returns the exit code: 0 on PASS, 1 on FAIL.</summary>
    public static int Print(TrafficSnapshot s, TrafficOptions options, bool stoppedEarly)
    {
        var ttl = options.Ttl.TotalSeconds;
        var cycles = (int)(s.Elapsed.TotalSeconds / ttl);
        var failures = Failures(s, options, cycles, stoppedEarly).ToList();

        StatusPrinter.Say(new string('-', 100));
        StatusPrinter.Say(
            Invariant($"keys={options.Keys}  ttl={ttl:0}s  duration={s.Elapsed.TotalSeconds:0}s") +
            (stoppedEarly ? " (stopped early)" : string.Empty) +
            Invariant($"  reads={s.Reads:N0}  hits={s.Hits:N0}  misses-after-warmup={s.MissesAfterWarmup:N0}"));
        StatusPrinter.Say(
            Invariant($"cold-misses={s.ColdMisses:N0}  db-loads(app)={s.DatabaseLoads:N0}  ") +
            Invariant($"hits checked against the database={s.Checks:N0}  mismatches={s.Mismatches:N0}  errors={s.Errors:N0}"));

        if (failures.Count == 0)
        {
            StatusPrinter.Say(Invariant(
                $"PASS: no key expired under the readers after warm-up; every key outlived {cycles} TTL cycle{(cycles == 1 ? "" : "s")}"));
            return 0;
        }

        foreach (var failure in failures)
        {
            StatusPrinter.Say("FAIL: " + failure);
        }

        return 1;
    }

    private static IEnumerable<string> Failures(TrafficSnapshot s, TrafficOptions options, int cycles, bool stoppedEarly)
    {
        if (s.MissesAfterWarmup > 0)
        {
            yield return Invariant($"{s.MissesAfterWarmup:N0} reads missed a key that was already warm ") +
                Invariant($"({s.KeysExpired} of {options.Keys} keys expired under the readers); with the worker running, a hot key must never expire");
        }

        if (s.Mismatches > 0)
        {
            yield return Invariant($"{s.Mismatches:N0} of {s.Checks:N0} checked hits held bytes the app would not have written");
        }

        if (s.Errors > 0)
        {
            yield return Invariant($"{s.Errors:N0} reads failed with Redis or database errors, so they prove nothing");
        }

        if (s.KeysWarmed < options.Keys)
        {
            yield return Invariant($"only {s.KeysWarmed} of {options.Keys} keys were ever cached; run longer or with fewer --keys");
        }

        if (cycles < 1)
        {
            yield return Invariant($"the run ({s.Elapsed.TotalSeconds:0}s) was shorter than one TTL ({options.Ttl.TotalSeconds:0}s), ") +
                "so no key could have expired and nothing was proven" + (stoppedEarly ? string.Empty : "; run with --duration above --ttl");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
