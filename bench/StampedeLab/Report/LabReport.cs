using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Scenarios;

namespace CacheWarmer.StampedeLab.Report;

/// <summary>Everything one lab run measured, and on what.</summary>
internal sealed record LabReport
{
    public required LabOptions Options { get; init; }

    public required RunEnvironment Machine { get; init; }

    public required string RedisVersion { get; init; }

    public required string PostgresVersion { get; init; }

    public required string LoadAverageBefore { get; init; }

    public required string LoadAverageAfter { get; init; }

    public required IReadOnlyList<ExpiryOutcome> Expiry { get; init; }

    public required IReadOnlyList<ZipfOutcome> Zipf { get; init; }

    /// <summary>The bursts or warmup scenario's outcomes.</summary>
    public IReadOnlyList<SpikeOutcome> Spikes { get; init; } = [];

    public required TimeSpan Elapsed { get; init; }
}
