namespace CacheWarmer.Worker.Configuration;

/// <summary>The <c>CacheWarmer:Warmups</c> section: the warms on cron schedules, by name.</summary>
public sealed class WarmupsOptions : Dictionary<string, WarmupOptions>
{
    /// <summary>No warmup yet; names are case-sensitive.</summary>
    public WarmupsOptions()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A <c>CacheWarmer:Warmups:{name}</c> entry: keys warmed on a cron schedule, ahead of a known spike.</summary>
public sealed class WarmupOptions
{
    /// <summary>The default of <see cref="TimeZone"/>.</summary>
    public const string DefaultTimeZone = "UTC";

    /// <summary>When to fire: a Quartz cron expression (seconds first), such as <c>0 55 8 ? * MON-FRI</c>.</summary>
    public string Cron { get; set; } = string.Empty;

    /// <summary>The time zone <see cref="Cron"/> is read in: an IANA id (<c>Europe/Berlin</c>) or one the system knows. Default UTC.</summary>
    public string TimeZone { get; set; } = DefaultTimeZone;

    /// <summary>The loader whose keys are warmed; its source runs <see cref="Ids"/>.</summary>
    public string Loader { get; set; } = string.Empty;

    /// <summary>Keys warmed at every firing; each must match <see cref="Loader"/>'s pattern.</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>
    /// A query run on the loader's source at every firing; its first column holds the ids, each becoming a key through
    /// the loader's pattern (which must have exactly one parameter).
    /// </summary>
    public string? Ids { get; set; }

    /// <summary>Also warm the keys that access history says will be hot after the firing.</summary>
    public PredictOptions? Predict { get; set; }

    /// <summary>Keys started per second by the firing, at most. Default 200.</summary>
    public double MaxPerSecond { get; set; } = 200;

    /// <summary>Keys warming at once, at most. Default 8.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>
    /// How long after the window starts (the fire time plus <see cref="PredictOptions.Lead"/>) warmed keys stay
    /// managed. Default <see cref="PredictOptions.Window"/> when <see cref="Predict"/> is set, else one hour.
    /// </summary>
    public TimeSpan? Pin { get; set; }

    /// <summary>The pin in effect: <see cref="Pin"/>, else the prediction window, else one hour.</summary>
    public TimeSpan EffectivePin => Pin ?? Predict?.Window ?? TimeSpan.FromHours(1);

    /// <summary>How long after the fire time the spike starts: <see cref="PredictOptions.Lead"/>, else zero.</summary>
    public TimeSpan EffectiveLead => Predict?.Lead ?? TimeSpan.Zero;
}

/// <summary>The <c>CacheWarmer:Warmups:{name}:Predict</c> section.</summary>
public sealed class PredictOptions
{
    /// <summary>How long the predicted spike lasts, from the fire time plus <see cref="Lead"/>. Default one hour.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most keys predicted. Default 1,000.</summary>
    public int Top { get; set; } = 1000;

    /// <summary>How long after the fire time the window starts. Default zero.</summary>
    public TimeSpan Lead { get; set; } = TimeSpan.Zero;
}
