using System.Globalization;
using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// One 5-minute slot of recorded access history, named by its start in UTC. History is recorded in UTC so one record
/// serves every warmup; a warmup's time zone is applied when its firing picks the slots to read.
/// </summary>
internal readonly record struct HistorySlot(DateTimeOffset Start)
{
    public const int PerDay = 288;

    public static readonly TimeSpan Length = TimeSpan.FromMinutes(5);

    /// <summary>The slot holding <paramref name="at"/>.</summary>
    public static HistorySlot Containing(DateTimeOffset at)
    {
        var ticks = at.UtcTicks - (at.UtcTicks % Length.Ticks);
        return new HistorySlot(new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    public HistorySlot Next => new(Start + Length);

    /// <summary>0 (Sunday) to 6.</summary>
    public int DayOfWeek => (int)Start.DayOfWeek;

    /// <summary>0 to 287.</summary>
    public int SlotOfDay => (int)(Start.TimeOfDay.Ticks / Length.Ticks);

    public string Date => Start.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public string Key(string prefix) => WorkerKeys.History(prefix, DayOfWeek, SlotOfDay, Date);

    public string LeaseKey(string prefix) => WorkerKeys.HistoryLease(prefix, Date, SlotOfDay);
}

/// <summary>A history slot read for a prediction, and how many weeks before the firing's window it lies.</summary>
internal readonly record struct PastSlot(HistorySlot Slot, int WeeksAgo);

/// <summary>
/// The prediction of a warmup firing: the keys read most, in past weeks, in the same wall-clock window on the same
/// weekday (in the warmup's time zone) as <c>[fire + Lead, fire + Lead + Window)</c>. Each key scores the weighted
/// mean of its recorded rates over the window's slots, a week ago counting fully and each earlier week half as much as
/// the next (weight 0.5^(weeksAgo - 1)), so a habit that changed recently wins over an old one. Keys a slot did not
/// record (not in its top N) count zero there; keys whose mean is below the hot-key threshold are not predicted.
/// </summary>
internal static class WarmupPrediction
{
    /// <summary>How many past weeks a prediction reads.</summary>
    public const int Weeks = 4;

    /// <summary>How much a week counts compared with the week after it.</summary>
    public const double WeekDecay = 0.5;

    /// <summary>
    /// The slots to read for a firing at <paramref name="scheduledFire"/>: for each of the last <paramref name="weeks"/>
    /// weeks, the window's local start moved back 7 days at the same wall-clock time (so daylight-saving changes keep
    /// 09:00 at 09:00), then every 5-minute slot that overlaps the window.
    /// </summary>
    public static List<PastSlot> SlotsFor(DateTimeOffset scheduledFire, TimeSpan lead, TimeSpan window, TimeZoneInfo zone, int weeks = Weeks)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var localStart = TimeZoneInfo.ConvertTime(scheduledFire + lead, zone).DateTime;
        var slots = new List<PastSlot>();
        for (var weeksAgo = 1; weeksAgo <= weeks; weeksAgo++)
        {
            var start = ToUtc(localStart.AddDays(-7 * weeksAgo), zone);
            var end = start + window;
            for (var slot = HistorySlot.Containing(start); slot.Start < end; slot = slot.Next)
            {
                slots.Add(new PastSlot(slot, weeksAgo));
            }
        }

        return slots;
    }

    /// <summary>The weight of a slot <paramref name="weeksAgo"/> weeks back.</summary>
    public static double Weight(int weeksAgo) => Math.Pow(WeekDecay, weeksAgo - 1);

    /// <summary>
    /// The <paramref name="top"/> keys by weighted mean historic rate, highest first (ties by key, so every replica
    /// ranks alike), leaving out keys whose weighted mean over the window is below <paramref name="minRatePerMinute"/>.
    /// <paramref name="slots"/> pairs each slot's weeks-ago with its recorded key rates; a slot that recorded nothing
    /// (no replica ran then) is left out of the mean rather than counted as silence.
    /// </summary>
    public static List<string> Rank(
        IEnumerable<(int WeeksAgo, IReadOnlyCollection<KeyValuePair<string, double>> Rates)> slots,
        int top,
        double minRatePerMinute,
        Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(slots);
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        var totalWeight = 0.0;
        foreach (var (weeksAgo, rates) in slots)
        {
            if (rates.Count == 0)
            {
                continue;
            }

            var weight = Weight(weeksAgo);
            totalWeight += weight;
            foreach (var (key, rate) in rates)
            {
                if (rate > 0 && !double.IsInfinity(rate) && (include is null || include(key)))
                {
                    sums[key] = sums.GetValueOrDefault(key) + (weight * rate);
                }
            }
        }

        if (totalWeight == 0)
        {
            return [];
        }

        return sums
            .Select(p => (p.Key, Mean: p.Value / totalWeight))
            .Where(p => p.Mean >= minRatePerMinute)
            .OrderByDescending(p => p.Mean)
            .ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(Math.Max(top, 0))
            .Select(p => p.Key)
            .ToList();
    }

    // A wall-clock time a spring-forward skipped is read an hour later; one a fall-back repeats is read the first time.
    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
