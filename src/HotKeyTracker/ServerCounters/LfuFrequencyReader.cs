using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.ServerCounters;

/// <summary>
/// Where Redis runs an LFU eviction policy, it counts every read of every key itself, apps sending no samples
/// included. Once per <see cref="HotKeyInputOptions.LfuPollInterval"/> this reads <c>OBJECT FREQ</c> of the loader keys the
/// listener follows and of its sample of the others (pipelined, at most <see cref="HotKeyOptions.LfuMaxKeys"/>) and
/// adds to the model the reads that counter stands for over the interval (see <see cref="ReadsPerMinute"/>). Without an LFU policy it does nothing.
/// </summary>
/// <remarks>
/// Redis counts the worker's own writes as accesses too (a <c>SET</c> or <c>PEXPIRE</c> looks the key up; Redis 7.0
/// has no <c>CLIENT NO-TOUCH</c>), so a key only the worker refreshes would read as a few reads a minute and keep
/// itself hot. A counter read within one <c>lfu-decay-time</c> of an own write (as the listener heard it) is therefore
/// no evidence: the key is left out of that poll. Later the write's step has decayed (nothing else touched the key)
/// or is one step among the many the apps' reads made.
/// </remarks>
public sealed class LfuFrequencyReader : BackgroundService
{
    private const int Batch = 1000;

    private readonly IConnectionMultiplexer _redis;
    private readonly KeyspaceListener _listener;
    private readonly HotKeyModel _model;
    private readonly HotKeyOptions _options;
    private readonly HotKeyInputOptions _input;
    private readonly TimeProvider _time;
    private readonly ILogger<LfuFrequencyReader> _logger;
    private bool _reportedOff;

    /// <summary>Creates the reader; it starts with the host.</summary>
    public LfuFrequencyReader(
        IConnectionMultiplexer redis,
        KeyspaceListener listener,
        HotKeyModel model,
        IOptions<HotKeyOptions> options,
        IOptions<HotKeyInputOptions> input,
        TimeProvider time,
        ILogger<LfuFrequencyReader> logger)
    {
        _redis = redis;
        _listener = listener;
        _model = model;
        _options = options.Value;
        _input = input.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The steady read rate an LFU counter stands for. Redis raises a counter <c>c</c> with probability
    /// <c>1 / ((c - 5) * lfu-log-factor + 1)</c> per read and lowers it by one every <c>lfu-decay-time</c> minutes, so
    /// a counter that holds steady at <c>c</c> is read about <c>((c - 5) * factor + 1) / decay</c> times a minute.
    /// Counters at or below the initial 5 stand for no reads; a decay time of 0 (never decays) gives no rate.
    /// </summary>
    public static double ReadsPerMinute(long counter, double logFactor, double decayMinutes) =>
        counter <= 5 || decayMinutes <= 0 ? 0 : (((counter - 5) * logFactor) + 1) / decayMinutes;

    /// <summary>Reads the counters once; returns how many keys were counted (0 when the server has no LFU policy).</summary>
    public async Task<int> PollOnceAsync(TimeSpan interval)
    {
        var db = _redis.GetDatabase(_input.Database);
        var settings = await LfuSettingsAsync().ConfigureAwait(false);
        if (settings is not { } lfu)
        {
            return 0;
        }

        // An own write's step lasts until the counter's next decay: one lfu-decay-time.
        var ownWriteWindow = TimeSpan.FromMinutes(lfu.DecayMinutes);
        var asOf = _time.GetUtcNow();
        _listener.ForgetOwnWritesBefore(asOf - ownWriteWindow);
        var keys = _listener.CounterCandidates.Where(k => !(_listener.LastOwnWrite(k) > asOf - ownWriteWindow)).Take(_options.LfuMaxKeys).ToList();
        var counted = 0;
        for (var start = 0; start < keys.Count; start += Batch)
        {
            var batch = keys.GetRange(start, Math.Min(Batch, keys.Count - start));
            var frequencies = batch.Select(k => db.ExecuteAsync("OBJECT", "FREQ", k)).ToList();
            try
            {
                await Task.WhenAll(frequencies).ConfigureAwait(false);
            }
            catch (RedisServerException)
            {
                // A key that expired between the listing and the read: its counter is simply gone.
            }

            var now = _time.GetUtcNow();
            for (var i = 0; i < batch.Count; i++)
            {
                if (frequencies[i].IsCompletedSuccessfully && (long)frequencies[i].Result is var counter
                    && ReadsPerMinute(counter, lfu.LogFactor, lfu.DecayMinutes) * interval.TotalMinutes is var reads and > 0)
                {
                    _model.AddReads(batch[i], reads, now);
                    counted++;
                }
            }
        }

        return counted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_input.LfuPollInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await PollOnceAsync(_input.LfuPollInterval).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    Log.LfuReadFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // The server's LFU settings, or null when its policy is not LFU (or cannot be read: CONFIG refused).
    private async Task<(double LogFactor, double DecayMinutes)?> LfuSettingsAsync()
    {
        var server = _redis.GetServers().FirstOrDefault(s => s.IsConnected && !s.IsReplica);
        if (server is null)
        {
            return null;
        }

        try
        {
            var config = (await server.ConfigGetAsync("*lfu*").ConfigureAwait(false))
                .Concat(await server.ConfigGetAsync("maxmemory-policy").ConfigureAwait(false))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
            var policy = config.GetValueOrDefault("maxmemory-policy") ?? "";
            if (!policy.Contains("lfu", StringComparison.OrdinalIgnoreCase))
            {
                ReportOff(policy);
                return null;
            }

            return (double.Parse(config.GetValueOrDefault("lfu-log-factor") ?? "10", System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(config.GetValueOrDefault("lfu-decay-time") ?? "1", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (RedisServerException ex)
        {
            // Managed services often refuse CONFIG; without it the counters' meaning is unknown.
            ReportOff("unknown: " + ex.Message);
            return null;
        }
    }

    private void ReportOff(string policy)
    {
        if (!_reportedOff)
        {
            _reportedOff = true;
            Log.LfuOff(_logger, policy);
        }
    }
}
