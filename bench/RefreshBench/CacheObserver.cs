using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;

namespace CacheWarmer.RefreshBench;

/// <summary>
/// What readers would see, on connections of its own: Redis's <c>expired</c> events for the data keys, and a poll of
/// EXISTS on every key every <see cref="BenchOptions.PollInterval"/> (a key found missing is a miss a reader would
/// have seen).
/// </summary>
internal sealed class CacheObserver : IAsyncDisposable
{
    private const int Chunk = 500;

    private readonly ConnectionMultiplexer _events;
    private readonly IDatabase _db;
    private readonly RedisKey[][] _chunks;
    private readonly Stopwatch _clock;
    private readonly ConcurrentQueue<(string Key, TimeSpan At)> _expired = new();
    private readonly ConcurrentDictionary<string, int> _missingKeys = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _polling;
    private long _misses;
    private long _polls;
    private TimeSpan _slowestPoll;
    private TimeSpan? _firstMiss;

    private CacheObserver(ConnectionMultiplexer events, IDatabase db, IReadOnlyList<RedisKey> keys, Stopwatch clock)
    {
        _events = events;
        _db = db;
        _chunks = keys.Chunk(Chunk).ToArray();
        _clock = clock;
    }

    public IReadOnlyCollection<(string Key, TimeSpan At)> Expired => _expired;

    public long Misses => Interlocked.Read(ref _misses);

    public int MissingKeys => _missingKeys.Count;

    public long Polls => Interlocked.Read(ref _polls);

    public TimeSpan SlowestPoll => _slowestPoll;

    public TimeSpan? FirstMiss => _firstMiss;

    /// <summary>Subscribes to <c>expired</c> events of keys starting with <paramref name="prefix"/> (notifications must be on).</summary>
    public static async Task<CacheObserver> StartAsync(string configuration, IDatabase db, string prefix, IReadOnlyList<RedisKey> keys, Stopwatch clock)
    {
        var events = await ConnectionMultiplexer.ConnectAsync(configuration);
        var observer = new CacheObserver(events, db, keys, clock);
        await events.GetSubscriber().SubscribeAsync(RedisChannel.KeyEvent(KeyNotificationType.Expired, 0), (_, key) =>
        {
            var text = (string?)key;
            if (text is not null && text.StartsWith(prefix, StringComparison.Ordinal))
            {
                observer._expired.Enqueue((text, clock.Elapsed));
            }
        });
        return observer;
    }

    /// <summary>Starts polling EXISTS of every key.</summary>
    public void StartPolling(TimeSpan interval) => _polling = PollAsync(interval, _stop.Token);

    public async Task StopPollingAsync()
    {
        await _stop.CancelAsync();
        if (_polling is not null)
        {
            await _polling;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopPollingAsync();
        _stop.Dispose();
        await _events.DisposeAsync();
    }

    private async Task PollAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                var started = _clock.Elapsed;
                await PollOnceAsync();
                var took = _clock.Elapsed - started;
                if (took > _slowestPoll)
                {
                    _slowestPoll = took;
                }

                Interlocked.Increment(ref _polls);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task PollOnceAsync()
    {
        // One multi-key EXISTS per chunk; only a chunk that comes back short is asked key by key, to name the keys.
        var counts = await Task.WhenAll(_chunks.Select(chunk => _db.KeyExistsAsync(chunk)));
        for (var i = 0; i < _chunks.Length; i++)
        {
            if (counts[i] == _chunks[i].Length)
            {
                continue;
            }

            var batch = _db.CreateBatch();
            var exists = _chunks[i].Select(key => batch.KeyExistsAsync(key)).ToArray();
            batch.Execute();
            var present = await Task.WhenAll(exists);
            for (var k = 0; k < present.Length; k++)
            {
                if (!present[k])
                {
                    _firstMiss ??= _clock.Elapsed;
                    Interlocked.Increment(ref _misses);
                    _missingKeys.AddOrUpdate(_chunks[i][k]!, 1, (_, n) => n + 1);
                }
            }
        }
    }
}
