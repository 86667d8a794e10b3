using System.Data.Common;
using System.Globalization;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Sources;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// The keys one firing warms: the configured <c>Keys</c>, the ids the <c>Ids</c> query returns at that firing, each
/// made a key through the loader's pattern, and with <c>Predict</c> the loader's keys that access history says will be
/// hot in the firing's window (<see cref="WarmupPrediction"/>). A problem (the query fails, returns nothing, or returns
/// a column that is not an id; history cannot be read) is reported for the firing's log; whatever keys were found are
/// still warmed.
/// </summary>
internal sealed class WarmupKeySource(
    LoaderCatalog catalog,
    SourceConnections connections,
    IConnectionMultiplexer redis,
    IOptions<RedisOptions> redisSection,
    IOptions<HotKeysOptions> hotKeys,
    CacheWarmerMetrics metrics,
    ILogger<WarmupKeySource> logger)
{
    public async Task<(List<LoaderMatch> Keys, List<string> Problems)> ResolveAsync(
        string name, WarmupOptions warmup, DateTimeOffset scheduledFire, CancellationToken cancellationToken)
    {
        var keys = new List<LoaderMatch>();
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in warmup.Keys)
        {
            if (seen.Add(key) && catalog.Match(key) is { } match)
            {
                keys.Add(match);
            }
        }

        if (!string.IsNullOrWhiteSpace(warmup.Ids))
        {
            await AddIdsAsync(warmup, keys, seen, problems, cancellationToken).ConfigureAwait(false);
        }

        if (warmup.Predict is { } predict)
        {
            await AddPredictedAsync(name, warmup, predict, scheduledFire, keys, seen, problems).ConfigureAwait(false);
        }

        return (keys, problems);
    }

    private async Task AddPredictedAsync(
        string name, WarmupOptions warmup, PredictOptions predict, DateTimeOffset scheduledFire, List<LoaderMatch> keys, HashSet<string> seen, List<string> problems)
    {
        if (!WarmupTimeZones.TryFind(warmup.TimeZone, out var zone))
        {
            problems.Add($"time zone \"{warmup.TimeZone}\" is unknown, so nothing was predicted");
            return;
        }

        var loader = catalog.Loaders[warmup.Loader];
        var prefix = redisSection.Value.KeyPrefix;
        var db = redis.GetDatabase(redisSection.Value.Database);
        var slots = WarmupPrediction.SlotsFor(scheduledFire, predict.Lead, predict.Window, zone);
        SortedSetEntry[][] history;
        try
        {
            history = await Task.WhenAll(slots.Select(s => db.SortedSetRangeByRankWithScoresAsync(s.Slot.Key(prefix)))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            problems.Add($"the access history could not be read from Redis, so nothing was predicted: {ex.Message}");
            return;
        }

        // Only the warmup's loader's keys are predicted; each key is matched once (a null: not the loader's).
        var matches = new Dictionary<string, LoaderMatch?>(StringComparer.Ordinal);
        var predicted = WarmupPrediction.Rank(
            slots.Select((s, i) => (s.WeeksAgo, (IReadOnlyCollection<KeyValuePair<string, double>>)Array.ConvertAll(history[i], e => KeyValuePair.Create(e.Element.ToString(), e.Score)))),
            predict.Top,
            hotKeys.Value.MinRatePerMinute,
            key =>
            {
                if (!matches.TryGetValue(key, out var match))
                {
                    match = catalog.Match(key) is { } found && found.Loader == loader ? found : null;
                    matches[key] = match;
                }

                return match is not null;
            });
        foreach (var key in predicted)
        {
            if (seen.Add(key))
            {
                keys.Add(matches[key]!);
            }
        }

        Log.WarmupPredicted(logger, name, scheduledFire, predicted.Count, history.Count(h => h.Length > 0), slots.Count, WarmupPrediction.Weeks);
    }

    private async Task AddIdsAsync(WarmupOptions warmup, List<LoaderMatch> keys, HashSet<string> seen, List<string> problems, CancellationToken cancellationToken)
    {
        var loader = catalog.Loaders[warmup.Loader];
        var cap = hotKeys.Value.PinnedCapacity;
        var ids = 0;
        var refused = 0;
        try
        {
            await using var connection = await connections.OpenAsync(loader.Source, cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = warmup.Ids!;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (keys.Count >= cap)
                {
                    // Every key of a firing is pinned, so no more could be kept warm: stop reading, and stop the query
                    // rather than drain its rows (a reader's dispose reads the rest of the result).
                    command.Cancel();
                    metrics.PinCapacityReached("ids");
                    problems.Add($"the Ids query returned more than the {cap} keys a firing may pin (CacheWarmer:HotKeys:PinnedCapacity): the first {ids} ids were read and the rest left out; raise PinnedCapacity, or narrow the query");
                    break;
                }

                ids++;
                var value = reader.IsDBNull(0) ? null : reader.GetValue(0);
                if (IdText(value) is not { } id)
                {
                    problems.Add($"the Ids query returned {(value is null ? "NULL" : "a " + value.GetType().Name)} in its first column, not an id: select the id column first, as text or an integer, such as \"SELECT id FROM products WHERE featured = 1\"");
                    return;
                }

                // The key must come back to this loader with this id, as for ids sent to POST /warm (an empty id fits not).
                if (catalog.KeyFor(loader, [id], out _, out _) is { } match)
                {
                    if (seen.Add(match.Key))
                    {
                        keys.Add(match);
                    }
                }
                else
                {
                    refused++;
                }
            }
        }
        catch (DbException ex) when (keys.Count < cap)
        {
            problems.Add($"the Ids query failed on source \"{loader.Source}\": {ex.Message}");
            return;
        }
        catch (DbException)
        {
            // The query cancelled at the cap ends with a cancellation error as its reader closes.
        }

        if (ids == 0)
        {
            problems.Add($"the Ids query returned no rows on source \"{loader.Source}\": check its WHERE clause, or the data it selects");
        }
        else if (refused > 0)
        {
            problems.Add($"{refused} of {ids} ids from the Ids query make keys that loader \"{loader.Name}\" does not own (such as ids holding the pattern's separators); they were left out");
        }
    }

    private static string? IdText(object? value) => value switch
    {
        string text when text.Length > 0 && !text.Any(char.IsControl) => text,
        long or int or short or byte or sbyte or ushort or uint or ulong => Convert.ToString(value, CultureInfo.InvariantCulture),
        decimal number when number == decimal.Truncate(number) => decimal.Truncate(number).ToString(CultureInfo.InvariantCulture),
        Guid guid => guid.ToString(),
        _ => null,
    };
}
