using CacheWarmer.StampedeLab.Reader;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>What every reader process of a strategy is told alike, whatever the scenario.</summary>
internal static class ReaderSpecs
{
    /// <summary>The spec of reader process <paramref name="process"/> (1-based) for <paramref name="strategy"/>.</summary>
    public static ReaderSpec For(LabScenario scenario, LabServers servers, LabOptions options, string strategy, int process, string workDirectory)
    {
        var ns = Namespace(strategy);
        return new ReaderSpec
        {
            Scenario = scenario,
            Strategy = strategy,
            Process = process,
            Redis = servers.Redis.Configuration,
            Postgres = servers.ConnectionString(LabServers.AppName(strategy, $"p{process}"), options.ReaderProcessesAtOnce),
            Namespace = ns,
            WorkerKeyPrefix = ns + "cw:",
            BackendDelaySeconds = options.BackendDelay.TotalSeconds,
            TtlSeconds = options.Ttl.TotalSeconds,
            Verbose = options.Verbose,
            ResultPath = Path.Combine(workDirectory, $"{strategy}-p{process}.result.json"),
        };
    }

    /// <summary>The strategy's key prefix: every key it touches starts with it.</summary>
    public static string Namespace(string strategy) => $"lab:{strategy}:";
}
