using StackExchange.Redis;

namespace CacheWarmer.Contracts.Sampling;

/// <summary>
/// Counts an app's cache reads and sends them to the worker: every <see cref="AccessSamplerOptions.FlushInterval"/>
/// one entry <c>XADD {prefix}samples MAXLEN ~ 1000000 * key count ...</c> (see <see cref="AccessSamples"/>). Call
/// <see cref="Record"/> on the read path; it never blocks and never throws. Samples are advisory: a batch Redis does
/// not take is dropped and counted, never retried or kept.
/// </summary>
public sealed class AccessSampler : IAsyncDisposable
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for the last batch before dropping it.</summary>
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(2);

    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabaseAsync _database;
    private readonly RedisKey _stream;
    private readonly double _sampleRate;
    private readonly int _maxKeys;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private AccessSampleWindow _window;
    private long _sent;
    private long _dropped;
    private long _flushes;
    private int _disposed;

    /// <summary>Starts a sampler that sends through <paramref name="redis"/>; the flush loop starts at once.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the parameter name names it.</exception>
    public AccessSampler(IConnectionMultiplexer redis, AccessSamplerOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        options ??= new AccessSamplerOptions();
        Validate(options);
        _redis = redis;
        _database = redis.GetDatabase(options.Database);
        _stream = AccessSamples.StreamKey(options.KeyPrefix);
        _sampleRate = options.SampleRate;
        _maxKeys = options.MaxKeysPerFlush;
        _interval = options.FlushInterval;
        _time = time ?? TimeProvider.System;
        _window = new AccessSampleWindow(_maxKeys);
        _loop = RunAsync(_stop.Token);
    }

    /// <summary>Key-count pairs Redis accepted.</summary>
    public long SamplesSent => Interlocked.Read(ref _sent);

    /// <summary>Key-count pairs lost: their batch failed or timed out, or their key was past the per-interval bound.</summary>
    public long SamplesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Flush cycles completed, whether or not they had anything to send.</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Counts one read of <paramref name="key"/> (or skips it, per the sampling rate). Null or empty keys are ignored.</summary>
    public void Record(string? key)
    {
        if (string.IsNullOrEmpty(key) || (_sampleRate < 1.0 && Random.Shared.NextDouble() >= _sampleRate))
        {
            return;
        }

        Volatile.Read(ref _window).Add(key);
    }

    /// <summary>Stops the flush loop and sends what was counted since the last flush, waiting at most a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await FlushAsync(FinalFlushTimeout, CancellationToken.None).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                // A send never outlives its interval, so slow sends cannot pile up behind one another.
                await FlushAsync(_interval, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed; DisposeAsync makes the last flush.
        }
    }

    private async Task FlushAsync(TimeSpan timeout, CancellationToken cancel)
    {
        // Reads racing the swap may land in the old window after it is read: a sample loses at most a few of them.
        var window = Interlocked.Exchange(ref _window, new AccessSampleWindow(_maxKeys));
        var entries = window.Counts()
            .Where(pair => pair.Value > 0)
            .Select(pair => new NameValueEntry(pair.Key, Math.Max(1L, (long)Math.Round(pair.Value / _sampleRate))))
            .ToArray();
        var dropped = window.Dropped;
        if (entries.Length > 0)
        {
            if (await SendAsync(entries, timeout, cancel).ConfigureAwait(false))
            {
                Interlocked.Add(ref _sent, entries.Length);
            }
            else
            {
                dropped += entries.Length;
            }
        }

        Interlocked.Add(ref _dropped, dropped);
        Interlocked.Increment(ref _flushes);
    }

    private async Task<bool> SendAsync(NameValueEntry[] entries, TimeSpan timeout, CancellationToken cancel)
    {
        // While disconnected the client would queue the command in its backlog until it times out: samples would
        // accumulate there. Dropping them at once keeps memory bounded and disposal quick.
        if (!_redis.IsConnected)
        {
            return false;
        }

        Task? send = null;
        try
        {
            send = _database.StreamAddAsync(
                _stream,
                entries,
                new StreamAddOptions { MaxLength = AccessSamples.MaxLength, Approximate = true },
                CommandFlags.CommandRetryNever);
            await send.WaitAsync(timeout, _time, cancel).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // Samples are advisory: no failure of theirs may reach the app or stop the loop.
        catch (Exception)
#pragma warning restore CA1031
        {
            // An abandoned send may still fail later; observe it so it is not reported as unobserved.
            _ = send?.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return false;
        }
    }

    private static void Validate(AccessSamplerOptions options)
    {
        if (options.KeyPrefix is null)
        {
            throw new ArgumentOutOfRangeException(nameof(options.KeyPrefix), "KeyPrefix must not be null.");
        }

        if (!(options.SampleRate > 0 && options.SampleRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options.SampleRate), options.SampleRate, "SampleRate must be in (0, 1].");
        }

        if (options.FlushInterval <= TimeSpan.Zero || options.FlushInterval > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options.FlushInterval), options.FlushInterval, "FlushInterval must be positive and at most a day.");
        }

        if (options.MaxKeysPerFlush < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options.MaxKeysPerFlush), options.MaxKeysPerFlush, "MaxKeysPerFlush must be at least 1.");
        }

        if (options.Database < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(options.Database), options.Database, "Database must be -1 (the default database) or a database number.");
        }
    }
}
