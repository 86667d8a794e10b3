namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// How many refreshes are planned in each 100 ms of fire time, and from that the latest moment the replica can start
/// and still get through, at half its measured rate, every refresh planned up to each slot's end. Keys written
/// together are all planned within the buffer's last second or two; this is what tells the scheduler to start them
/// early.
/// </summary>
internal sealed class RefreshCalendar
{
    // Half the measured rate: the estimate lags a machine that grows busier, and other work shares the slots.
    private const double Headroom = 0.5;
    private const int HorizonSlots = 3000;
    private static readonly long SlotTicks = TimeSpan.FromMilliseconds(100).Ticks;
    private readonly Dictionary<long, int> _counts = [];

    public void Add(DateTimeOffset fireAt) =>
        _counts[Slot(fireAt)] = _counts.GetValueOrDefault(Slot(fireAt)) + 1;

    public void Remove(DateTimeOffset fireAt)
    {
        var slot = Slot(fireAt);
        if (_counts.TryGetValue(slot, out var count))
        {
            if (count > 1)
            {
                _counts[slot] = count - 1;
            }
            else
            {
                _counts.Remove(slot);
            }
        }
    }

    /// <summary>The latest start that finishes, at <paramref name="perSecond"/> × headroom, each slot's planned refreshes and all before them by its end (5 minutes ahead at most).</summary>
    public DateTimeOffset StartBy(DateTimeOffset now, double perSecond)
    {
        var first = Slot(now);
        var work = 0.0;
        var startBy = DateTimeOffset.MaxValue;
        for (var slot = first; slot < first + HorizonSlots; slot++)
        {
            if (!_counts.TryGetValue(slot, out var count))
            {
                continue;
            }

            work += count / (perSecond * Headroom);
            var start = new DateTimeOffset((slot + 1) * SlotTicks, TimeSpan.Zero) - TimeSpan.FromSeconds(work);
            if (start < startBy)
            {
                startBy = start;
            }
        }

        return startBy;
    }

    private static long Slot(DateTimeOffset at) => at.UtcTicks / SlotTicks;
}
