using CacheWarmer.Contracts.Sampling;
using CacheWarmer.HotKeyTracker.Hotness;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Sampling;

/// <summary>
/// Reads the access-sample stream into the <see cref="HotKeyModel"/>. Every replica reads all of it: each keeps its
/// own position (the last entry ID it counted), so after a reconnect it carries on from there, counting nothing twice
/// and skipping nothing the stream still holds. At start it reads back <see cref="HotKeyOptions.Replay"/>.
/// </summary>
/// <remarks>
/// Entry IDs carry Redis's clock; the model runs on this machine's. The two are never compared directly: each read
/// asks Redis for its TIME in the same round trip, an entry's age is that time minus the entry's, and the sample is
/// stamped that long before this machine's now (see <see cref="StampOf"/>). The replay window starts at Redis's TIME
/// minus <see cref="HotKeyOptions.Replay"/>. So a worker whose clock is off from Redis's ages samples correctly.
/// </remarks>
public sealed class SampleStreamReader : BackgroundService
{
    // Malformed entries are reported at most this often, with how many were seen in between.
    private static readonly TimeSpan RejectReportInterval = TimeSpan.FromMinutes(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly HotKeyModel _model;
    private readonly HotKeyOptions _options;
    private readonly HotKeyInputOptions _input;
    private readonly TimeProvider _time;
    private readonly ILogger<SampleStreamReader> _logger;
    private long _rejected;
    private DateTimeOffset _rejectReportedAt = DateTimeOffset.MinValue;

    /// <summary>Creates the reader; it starts with the host.</summary>
    public SampleStreamReader(
        IConnectionMultiplexer redis,
        HotKeyModel model,
        IOptions<HotKeyOptions> options,
        IOptions<HotKeyInputOptions> input,
        TimeProvider time,
        ILogger<SampleStreamReader> logger)
    {
        _redis = redis;
        _model = model;
        _options = options.Value;
        _input = input.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The ID of the last entry counted (or the start position, before the first).</summary>
    public RedisValue Position { get; private set; }

    /// <summary>Stream entries counted since start.</summary>
    public long EntriesRead { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stream = (RedisKey)AccessSamples.StreamKey(_input.KeyPrefix);
        Log.ReadingSamples(_logger, stream.ToString(), _options.Replay.TotalMinutes);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            int read;
            try
            {
                read = await ReadOnceAsync(stream).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis is away: the position is kept, so the reader resumes exactly where it stopped.
                if (failures++ == 0)
                {
                    Log.SampleReadFailed(_logger, stream.ToString(), ex);
                }

                read = 0;
            }

            if (read < _input.ReadBatch)
            {
                var wait = failures == 0 ? _input.PollInterval : TimeSpan.FromMilliseconds(Math.Min(5000, 250 * failures));
                try
                {
                    await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task<int> ReadOnceAsync(RedisKey stream)
    {
        var db = _redis.GetDatabase(_input.Database);
        if (Position.IsNull)
        {
            // The replay window on Redis's clock, the one its entry IDs are written in.
            var redisStart = await RedisNowMsAsync(db).ConfigureAwait(false) - (long)_options.Replay.TotalMilliseconds;
            Position = $"{Math.Max(0, redisStart)}-0";
        }

        // Sent together, so Redis's TIME is read within the same round trip as the entries.
        var redisTime = RedisNowMsAsync(db);
        var read = db.StreamReadAsync(stream, Position, _input.ReadBatch);
        var entries = await read.ConfigureAwait(false);
        var redisNow = await redisTime.ConfigureAwait(false);
        if (entries is null || entries.Length == 0)
        {
            return 0;
        }

        var now = _time.GetUtcNow();
        var rejected = 0;
        foreach (var entry in entries)
        {
            var samples = AccessSamples.Parse(entry, out var bad);
            rejected += bad;

            if (samples.Count > 0)
            {
                _model.AddSamples(samples, StampOf(entry.Id, redisNow, now));
            }

            Position = entry.Id;
        }

        ReportRejected(rejected, now);
        EntriesRead += entries.Length;
        return entries.Length;
    }

    /// <summary>
    /// When an entry's samples happened, on this machine's clock: <paramref name="now"/> less the entry's age by
    /// Redis's clock (<paramref name="redisNowMs"/> less the milliseconds of its ID). An ID that is not a time (chosen
    /// by its writer), or one ahead of Redis's TIME, counts as now.
    /// </summary>
    internal static DateTimeOffset StampOf(RedisValue id, long redisNowMs, DateTimeOffset now) =>
        AccessSamples.AddedAt(id) is { } added && redisNowMs - added.ToUnixTimeMilliseconds() is var ageMs and > 0
            ? now - TimeSpan.FromMilliseconds(ageMs)
            : now;

    // TIME answers seconds and microseconds, as two bulk strings.
    private static async Task<long> RedisNowMsAsync(IDatabase db)
    {
        var parts = (RedisValue[])(await db.ExecuteAsync("TIME").ConfigureAwait(false))!;
        return ((long)parts[0] * 1000) + ((long)parts[1] / 1000);
    }

    private void ReportRejected(int rejected, DateTimeOffset now)
    {
        _rejected += rejected;
        if (_rejected > 0 && now - _rejectReportedAt >= RejectReportInterval)
        {
            Log.SamplesRejected(_logger, _rejected, AccessSamples.StreamKey(_input.KeyPrefix));
            _rejected = 0;
            _rejectReportedAt = now;
        }
    }
}
