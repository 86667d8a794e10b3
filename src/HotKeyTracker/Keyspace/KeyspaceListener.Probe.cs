using CacheWarmer.Contracts.Keys;
using StackExchange.Redis;

namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    private const int MaxProbeBatch = 1000;

    // Reads the TTLs of queued keys, a pipelined batch at a time, and publishes what it finds.
    private async Task ProbeLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _toProbe.Reader;
        var batch = new List<ProbeItem>(MaxProbeBatch);
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_options.TtlProbeDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.TtlProbeDelay, _time, cancellationToken).ConfigureAwait(false);
            }

            while (batch.Count < MaxProbeBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                await ProbeAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The connection is down; a resync runs when it is restored.
                Log.ProbeFailed(_logger, batch.Count, ex);
            }

            batch.Clear();
        }
    }

    private async Task ProbeAsync(List<ProbeItem> batch, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase(_options.Database);
        var ttls = new Task<RedisResult>[batch.Count];
        var ownWrites = new Task<bool>?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            // Raw PTTL tells "no key" (-2) from "no TTL" (-1) in one round trip; the typed API folds both into null.
            ttls[i] = db.ExecuteAsync("PTTL", [(RedisKey)batch[i].Key]);
            // A write's marker says whether a worker made it: an app's SET counts as a read, and a worker's is
            // remembered so Redis's own access counters can discount it.
            if (batch[i].Scored || (_model is not null && batch[i].Cause == KeyObservationCause.Written))
            {
                ownWrites[i] = db.KeyExistsAsync(WorkerKeys.Wrote(_input.KeyPrefix, batch[i].Key));
            }
        }

        await Task.WhenAll(ttls).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        for (var i = 0; i < batch.Count; i++)
        {
            var (key, cause, _) = batch[i];
            if (ownWrites[i] is { } own)
            {
                if (await own.ConfigureAwait(false))
                {
                    RecordOwnWrite(key, now);
                }
                else if (batch[i].Scored)
                {
                    _model!.AddWrite(key, _hotKeys.AppWriteWeight);
                }
            }

            var pttl = (long)ttls[i].Result;
            var present = pttl != -2;
            TimeSpan? ttl = pttl >= 0 ? TimeSpan.FromMilliseconds(pttl) : null;
            if (present)
            {
                Found(key);
            }
            else
            {
                Gone(key);
            }

            var observation = new KeyObservation(key, cause, present, present && ttl is { } t ? now + t : null);
            await _observations.Writer.WriteAsync(observation, cancellationToken).ConfigureAwait(false);
        }
    }

    // A key to probe; Scored when the event was a SET (and app writes count), which counts as a read unless the worker
    // itself wrote it.
    private readonly record struct ProbeItem(string Key, KeyObservationCause Cause, bool Scored);
}
