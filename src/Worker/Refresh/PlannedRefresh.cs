namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// A refresh as <see cref="RefreshScheduler"/> holds it until it is taken: its times as UTC ticks (0: none) and
/// <see cref="SlotAt"/>, where the key's slot in the heap is. A value in the schedule's dictionary, so a planned key
/// costs no object of its own, and planning it again allocates nothing.
/// </summary>
internal struct PlannedRefresh(long fireAt, long plannedExpiry, long earliestAt, int failures, bool missed)
{
    public readonly long FireAt = fireAt;
    public readonly long PlannedExpiry = plannedExpiry;
    public readonly long EarliestAt = earliestAt;
    public readonly int Failures = failures;
    public readonly bool Missed = missed;

    /// <summary>The fire time of the key's slot in the heap: <see cref="FireAt"/>, or earlier when the plan was moved later.</summary>
    public long SlotAt;

    /// <summary>True when the plan may start by <paramref name="now"/> because planned work runs behind.</summary>
    public readonly bool MayStartBy(long now) => EarliestAt != 0 && EarliestAt <= now;

    public readonly DueRefresh Due(string key) =>
        new(key, UtcTicks.At(FireAt), UtcTicks.AtOrNull(PlannedExpiry), Missed, Failures, UtcTicks.AtOrNull(EarliestAt));
}
