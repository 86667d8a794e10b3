using System.Globalization;
using CacheWarmer.Contracts.Http;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Keys;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// <c>GET /hotkeys?top=50</c>: this replica's view of the hottest keys (its model's estimates), whether it manages
/// each and when it refreshes it next, and each key's PTTL read in one pipelined round trip. When the model holds
/// fewer than <c>top</c> keys, managed keys it does not rank (pinned by a warm or by configuration) fill the list, so
/// every key the worker keeps warm can be seen.
/// </summary>
internal sealed class HotKeysHandler(
    HotKeyModel model,
    ManagedKeyIndex managed,
    IConnectionMultiplexer redis,
    IOptions<RedisOptions> redisOptions,
    TimeProvider time)
{
    public const int DefaultTop = 50;
    public const int MaxTop = 1000;

    public async Task<IResult> HandleAsync(string? top)
    {
        var count = DefaultTop;
        if (top is not null && !(int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= MaxTop))
        {
            var message = $"\"{top}\" is not a number of keys from 1 to {MaxTop}: use top={DefaultTop}, for example";
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]>(StringComparer.Ordinal) { ["top"] = [message] },
                detail: "top: " + message,
                title: "The hot-keys request is invalid");
        }

        var estimates = model.Top(count).ToList();
        if (estimates.Count < count)
        {
            var listed = estimates.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            estimates.AddRange(managed.Names().Where(k => !listed.Contains(k)).Take(count - estimates.Count).Select(model.Estimate));
        }

        var ttls = await ReadTtlsAsync(estimates).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var hotKeys = new HotKey[estimates.Count];
        for (var i = 0; i < estimates.Count; i++)
        {
            var key = estimates[i].Key;
            var isManaged = managed.TryGetNextRefresh(key, out var next);
            long? nextInMs = isManaged ? Math.Max(0, (long)(next - now).TotalMilliseconds) : null;
            hotKeys[i] = new HotKey(key, Math.Round(estimates[i].RatePerMinute, 3), isManaged, ttls[i], nextInMs);
        }

        return TypedResults.Ok(hotKeys);
    }

    // Raw PTTL keeps "missing" (-2) apart from "no expiry" (-1); null when Redis does not answer.
    private async Task<long?[]> ReadTtlsAsync(IReadOnlyList<HotKeyEstimate> estimates)
    {
        var ttls = new long?[estimates.Count];
        if (estimates.Count == 0 || !redis.IsConnected)
        {
            return ttls;
        }

        try
        {
            var batch = redis.GetDatabase(redisOptions.Value.Database).CreateBatch();
            var replies = estimates.Select(e => batch.ExecuteAsync("PTTL", (RedisKey)e.Key)).ToArray();
            batch.Execute();
            await Task.WhenAll(replies).ConfigureAwait(false);
            for (var i = 0; i < replies.Length; i++)
            {
                ttls[i] = (long)replies[i].Result;
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Array.Clear(ttls);
        }

        return ttls;
    }
}
