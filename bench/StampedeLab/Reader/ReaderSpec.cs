namespace CacheWarmer.StampedeLab.Reader;

/// <summary>What one reader process is told to do; the parent writes it as JSON, the child reads it.</summary>
internal sealed record ReaderSpec
{
    public required LabScenario Scenario { get; init; }

    public required string Strategy { get; init; }

    /// <summary>1-based number of this reader process; its database connections are named after it.</summary>
    public required int Process { get; init; }

    public required string Redis { get; init; }

    /// <summary>Npgsql connection string, application name and pool size already set.</summary>
    public required string Postgres { get; init; }

    /// <summary>The strategy's key prefix: every key it touches starts with it.</summary>
    public required string Namespace { get; init; }

    /// <summary>The worker's key prefix, where the cachewarmer readers send access samples (zipf).</summary>
    public required string WorkerKeyPrefix { get; init; }

    public required double BackendDelaySeconds { get; init; }

    public required double TtlSeconds { get; init; }

    /// <summary>Expiry: this process's share of the burst.</summary>
    public int Requests { get; init; }

    /// <summary>Zipf: keys, seconds of load, this process's reads per second. Bursts and warmup: the keys the readers spread over.</summary>
    public int Keys { get; init; }

    /// <summary>Bursts and warmup: how many bursts this process runs (the bursts scenario's cold one included).</summary>
    public int Bursts { get; init; } = 1;

    /// <summary>Bursts and warmup: how many readers the processes before this one have, so readers spread over the keys.</summary>
    public int ReaderOffset { get; init; }

    public double DurationSeconds { get; init; }

    public int Rate { get; init; }

    public bool Verbose { get; init; }

    public required string ResultPath { get; init; }

    public TimeSpan BackendDelay => TimeSpan.FromSeconds(BackendDelaySeconds);

    public TimeSpan Ttl => TimeSpan.FromSeconds(TtlSeconds);

    /// <summary>The Redis key of product <paramref name="id"/> for the plain cache-aside strategies (and the worker).</summary>
    public string DataKey(int id) => Namespace + "product:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The Redis key of product <paramref name="id"/> for the "fusioncache-full" apps: RedisCache's InstanceName (the
    /// namespace), FusionCache's wire-format prefix and the app's CacheKeyPrefix. The worker's loader names the same.
    /// </summary>
    public string FusionCacheDataKey(int id) =>
        Namespace + "v2:" + Strategies.FusionCacheFullOptions.CacheKeyPrefix + Strategies.FusionCacheFullOptions.CacheKey(id);

    /// <summary>Where the parent publishes the burst instant (Unix ms) once it knows when the key expires.</summary>
    public static string BurstKey(string ns) => ns + "burst-at";

    /// <summary>Bursts and warmup: where the parent publishes when burst <paramref name="round"/> starts (Unix ms).</summary>
    public static string RoundKey(string ns, int round) => ns + "round-at:" + round.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Bursts and warmup: incremented by each process when its share of burst <paramref name="round"/> is done.</summary>
    public static string RoundDoneKey(string ns, int round) => ns + "round-done:" + round.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
