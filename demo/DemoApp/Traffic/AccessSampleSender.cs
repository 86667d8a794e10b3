using StackExchange.Redis;

namespace CacheWarmer.DemoApp.Traffic;

/// <summary>
/// Tells the worker how often each key is read, as apps integrating CacheWarmer do: reads are counted for about a
/// second, then sent as one entry <c>XADD {prefix}samples MAXLEN ~ 1000000 * key count ...</c>. GETs raise no
/// keyspace events, so without samples the worker could not tell a hot key from one written once and never read.
/// The demo counts every read, so the counts need no scaling.
/// </summary>
internal sealed class AccessSampleSender(IDatabase redis, TrafficOptions options, TimeProvider time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly long[] _counts = new long[options.Keys + 1];
    private readonly RedisKey _stream = options.KeyPrefix + "samples";
    private long _failures;

    public long Failures => Interlocked.Read(ref _failures);

    public void Record(int id) => Interlocked.Increment(ref _counts[id]);

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }

        // The last second of reads counts too.
        await FlushAsync();
    }

    private async Task FlushAsync()
    {
        var entries = new List<NameValueEntry>();
        for (var id = 1; id < _counts.Length; id++)
        {
            var count = Interlocked.Exchange(ref _counts[id], 0);
            if (count > 0)
            {
                entries.Add(new NameValueEntry(TrafficOptions.Key(id), count));
            }
        }

        if (entries.Count == 0)
        {
            return;
        }

        try
        {
            await redis.StreamAddAsync(_stream, [.. entries], new StreamAddOptions { MaxLength = 1_000_000, Approximate = true });
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Samples are advisory; losing a second of them must not disturb the reads being measured.
            Interlocked.Increment(ref _failures);
        }
    }
}
