using CacheWarmer.Contracts.Http;

namespace CacheWarmer.Worker.WarmRequests;

/// <summary>Where a warm job stands.</summary>
internal enum WarmJobState
{
    /// <summary>Keys are being warmed.</summary>
    Running,

    /// <summary>Every key has its outcome.</summary>
    Completed,

    /// <summary>The replica stopped before every key was reached.</summary>
    Cancelled,
}

/// <summary>
/// The progress of one warm job: counters only, safe to read from any thread while the job runs. It holds no keys, so
/// a finished job costs a few hundred bytes however large it was.
/// </summary>
internal sealed class WarmJob(string id, string trigger, int total, DateTimeOffset startedAt)
{
    private readonly int[] _byOutcome = new int[Enum.GetValues<WarmOutcome>().Length];
    private int _done;
    private int _failed;
    private volatile WarmJobState _state = WarmJobState.Running;

    public string Id { get; } = id;

    /// <summary>What started it: <c>http</c>.</summary>
    public string Trigger { get; } = trigger;

    public int Total { get; } = total;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public int Done => Volatile.Read(ref _done);

    public int Failed => Volatile.Read(ref _failed);

    public WarmJobState State => _state;

    public int Count(WarmOutcome outcome) => Volatile.Read(ref _byOutcome[(int)outcome]);

    public void Record(WarmOutcome outcome)
    {
        Interlocked.Increment(ref _byOutcome[(int)outcome]);
        if (outcome is WarmOutcome.Failed or WarmOutcome.Rejected)
        {
            Interlocked.Increment(ref _failed);
        }

        Interlocked.Increment(ref _done);
    }

    public void Finish(bool cancelled) => _state = cancelled ? WarmJobState.Cancelled : WarmJobState.Completed;

    public WarmProgress Progress() => new(
        Id,
        Total,
        Done,
        Failed,
        StateLabel(State),
        WarmOutcomes.Finished.ToDictionary(WarmOutcomes.Label, Count, StringComparer.Ordinal));

    public static string StateLabel(WarmJobState state) => state switch
    {
        WarmJobState.Running => "running",
        WarmJobState.Completed => "completed",
        _ => "cancelled",
    };
}
