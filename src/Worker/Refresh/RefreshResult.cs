namespace CacheWarmer.Worker.Refresh;

/// <summary>How one refresh attempt ended; the metric label is <see cref="RefreshOutcomes.Label"/>.</summary>
internal enum RefreshOutcome
{
    /// <summary>Loaded and written under the lease.</summary>
    Refreshed,

    /// <summary>Another replica had already refreshed the key this cycle; nothing loaded.</summary>
    SkippedFresh,

    /// <summary>Another replica holds the lease (or took it over); retried shortly.</summary>
    LeaseBusy,

    /// <summary>The load failed and there was no old value to keep; retried with backoff.</summary>
    Failed,

    /// <summary>The load failed; the old value's TTL was extended; retried with backoff.</summary>
    FailSafe,

    /// <summary>The query found no row; nothing was written and the key is no longer managed.</summary>
    NoValue,

    /// <summary>
    /// The database refused the key itself (its id does not fit the query's types, a constraint failed): nothing was
    /// written, the key is no longer managed, and the source's breaker is not touched.
    /// </summary>
    KeyRejected,

    /// <summary>An app wrote or deleted the key while the load ran; its change stands and the load was dropped.</summary>
    Superseded,

    /// <summary>The key has no TTL (an app made it permanent) or no loader owns it; it is no longer managed.</summary>
    NotManaged,
}

internal static class RefreshOutcomes
{
    /// <summary>The <c>outcome</c> label of <c>cachewarmer_refreshes_total</c>, or null when the outcome is not counted.</summary>
    public static string? Label(RefreshOutcome outcome) => outcome switch
    {
        RefreshOutcome.Refreshed => "refreshed",
        RefreshOutcome.SkippedFresh => "skipped_fresh",
        RefreshOutcome.LeaseBusy => "lease_busy",
        RefreshOutcome.Failed => "failed",
        RefreshOutcome.FailSafe => "fail_safe",
        RefreshOutcome.Superseded => "superseded",
        RefreshOutcome.KeyRejected => "rejected",
        _ => null,
    };
}

/// <summary>The end of one attempt and what the planner needs for the next.</summary>
/// <param name="Key">The key.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="ExpiresAt">When the key's value now expires, when known.</param>
/// <param name="RetryAt">When to try again, for outcomes that retry; null means plan from <paramref name="ExpiresAt"/>.</param>
/// <param name="Failures">Attempts in a row that failed, this one included; the next attempt is given it for its backoff.</param>
internal sealed record RefreshResult(string Key, RefreshOutcome Outcome, DateTimeOffset? ExpiresAt, DateTimeOffset? RetryAt = null, int Failures = 0);
