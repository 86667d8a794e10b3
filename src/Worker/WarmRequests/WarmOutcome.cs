using CacheWarmer.Worker.Refresh;

namespace CacheWarmer.Worker.WarmRequests;

/// <summary>How warming one key ended; <see cref="WarmOutcomes.Label"/> is its name in the API and in metrics.</summary>
internal enum WarmOutcome
{
    /// <summary>Not reached yet (or the job was cancelled first).</summary>
    Pending,

    /// <summary>Loaded and written by this replica.</summary>
    Loaded,

    /// <summary>The key was there (written by the app, another replica, or an earlier refresh): nothing loaded.</summary>
    AlreadyWarm,

    /// <summary>The query found no row: nothing written.</summary>
    NotFound,

    /// <summary>The key exists without a TTL: the app owns it, the worker leaves it alone.</summary>
    Permanent,

    /// <summary>The database refused the key itself (e.g. a non-numeric id for an integer column): not retried.</summary>
    Rejected,

    /// <summary>The load failed (or the lease stayed busy past its holder's time); the pinned key is retried.</summary>
    Failed,
}

internal static class WarmOutcomes
{
    /// <summary>Every outcome a finished key can have, in a stable order.</summary>
    public static readonly WarmOutcome[] Finished =
        [WarmOutcome.Loaded, WarmOutcome.AlreadyWarm, WarmOutcome.NotFound, WarmOutcome.Permanent, WarmOutcome.Rejected, WarmOutcome.Failed];

    public static string Label(WarmOutcome outcome) => outcome switch
    {
        WarmOutcome.Loaded => "loaded",
        WarmOutcome.AlreadyWarm => "already_warm",
        WarmOutcome.NotFound => "not_found",
        WarmOutcome.Permanent => "permanent",
        WarmOutcome.Rejected => "rejected",
        WarmOutcome.Failed => "failed",
        _ => "pending",
    };

    /// <summary>
    /// The warm outcome of a refresh outcome; null for <see cref="RefreshOutcome.LeaseBusy"/> and
    /// <see cref="RefreshOutcome.Superseded"/>, which are retried (the retry finds the app's new value fresh, or loads
    /// the key the app deleted).
    /// </summary>
    public static WarmOutcome? Of(RefreshOutcome outcome) => outcome switch
    {
        RefreshOutcome.Refreshed => WarmOutcome.Loaded,
        RefreshOutcome.SkippedFresh => WarmOutcome.AlreadyWarm,
        RefreshOutcome.NoValue => WarmOutcome.NotFound,
        RefreshOutcome.NotManaged => WarmOutcome.Permanent,
        RefreshOutcome.KeyRejected => WarmOutcome.Rejected,
        RefreshOutcome.Failed or RefreshOutcome.FailSafe => WarmOutcome.Failed,
        _ => null,
    };
}
