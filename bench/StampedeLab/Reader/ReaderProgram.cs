using System.Text.Json;
using CacheWarmer.StampedeLab.Strategies;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Reader;

/// <summary>
/// The hidden <c>reader SPEC.json</c> subcommand: one reader process, like one replica of an app. It connects (one
/// multiplexer, one connection pool), waits for the common start time, runs its scenario and writes its
/// <see cref="ReaderResult"/> as JSON to the file the spec names. Progress goes to stdout, which the parent echoes.
/// </summary>
internal static class ReaderProgram
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static async Task<int> RunAsync(string specPath)
    {
        var spec = JsonSerializer.Deserialize<ReaderSpec>(await File.ReadAllTextAsync(specPath), Json)
            ?? throw new InvalidOperationException($"{specPath} holds no reader spec.");
        var redisOptions = ConfigurationOptions.Parse(spec.Redis);
        // 10,000 readers issue their GETs at once: the default 5 s sync/async timeout is for a quiet app.
        redisOptions.AsyncTimeout = 30_000;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);
        await using var backend = new ProductBackend(spec.Postgres, spec.BackendDelay);
        var expected = await backend.ExpectedAsync(spec.Scenario == LabScenario.Expiry ? ExpiryReader.ProductId : spec.Keys, CancellationToken.None);
        await backend.WarmAsync(4, CancellationToken.None);
        await using var strategy = new StrategyContext(spec, redis, backend).Create();

        var start = await StartLine.ReadyAsync(redis.GetDatabase(), spec.Namespace);
        var result = spec.Scenario switch
        {
            LabScenario.Expiry => await new ExpiryReader(spec, redis.GetDatabase(), strategy, expected).RunAsync(start),
            LabScenario.Zipf => await new ZipfReader(spec, strategy, expected).RunAsync(start),
            _ => await new SpikeReader(spec, redis.GetDatabase(), strategy, expected).RunAsync(),
        };
        await File.WriteAllTextAsync(spec.ResultPath, JsonSerializer.Serialize(result with { Process = spec.Process }, Json));
        return 0;
    }

    /// <summary>Waits until <paramref name="unixMs"/>: a timer to a few ms before it, then spinning, so bursts line up.</summary>
    public static async Task WaitUntilAsync(long unixMs)
    {
        var left = unixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (left > 20)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(left - 15));
        }

        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < unixMs)
        {
            Thread.SpinWait(100);
        }
    }
}
