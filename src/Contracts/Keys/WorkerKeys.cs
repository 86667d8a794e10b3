namespace CacheWarmer.Contracts.Keys;

/// <summary>
/// Names of the keys the worker owns in Redis. Every one starts with the configured prefix (default <c>cw:</c>) and
/// carries the data key's Redis Cluster hash tag, so the scripts that touch both run on one slot.
/// </summary>
public static class WorkerKeys
{
    /// <summary>The default prefix of worker-owned keys.</summary>
    public const string DefaultPrefix = "cw:";

    /// <summary>The refresh lease of <paramref name="key"/>: <c>{prefix}lease:{key}</c>, value <c>replicaId:token</c>.</summary>
    public static string Lease(string prefix, string key) => prefix + "lease:" + SameSlot(key);

    /// <summary>
    /// The fail-safe marker of <paramref name="key"/>: <c>{prefix}stale:{key}</c>, holding the Unix time in milliseconds
    /// at which the cached value first outlived its TTL because its source failed. Deleted on the next good refresh.
    /// </summary>
    public static string Stale(string prefix, string key) => prefix + "stale:" + SameSlot(key);

    /// <summary>
    /// The own-write marker of <paramref name="key"/>: <c>{prefix}wrote:{key}</c>, set for
    /// <see cref="WroteMarkerLifetime"/> by the same script that writes a refreshed value, so every replica can tell
    /// the worker's writes from an app's when it scores hotness.
    /// </summary>
    public static string Wrote(string prefix, string key) => prefix + "wrote:" + SameSlot(key);

    /// <summary>How long an own-write marker lives: long enough for every replica to read it after the write's event.</summary>
    public static readonly TimeSpan WroteMarkerLifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The heartbeat of a replica: <c>{prefix}replica:{replicaId}</c>, refreshed while the replica runs. A lease whose
    /// holder has no heartbeat belongs to a dead replica and may be taken over before it expires.
    /// </summary>
    public static string Replica(string prefix, string replicaId) => prefix + "replica:" + replicaId;

    /// <summary>
    /// The live replicas: <c>{prefix}replicas</c>, a sorted set of replica ids scored by the Redis time (Unix ms) at which
    /// each one's heartbeat ends. Every beat adds its replica, drops the members whose time passed and reads the rest,
    /// in one script; the keys are shared among the members.
    /// </summary>
    public static string Replicas(string prefix) => prefix + "replicas";

    /// <summary>
    /// The keyspace beacon of one worker process on one primary: <c>{prefix}beacon:{replicaId}@{server}</c>, or
    /// <c>{prefix}beacon:{tag}{replicaId}@{server}</c> on Redis Cluster, where the tag of a <paramref name="slot"/> the
    /// primary serves keeps the key on it. The worker rewrites it every <c>Redis:BeaconInterval</c> with
    /// <c>SET ... GET</c>: the event of that write proves notifications arrive, and a previous value that is gone or
    /// older tells of a flush or a failover.
    /// </summary>
    public static string Beacon(string prefix, string replicaId, string server, int? slot = null) =>
        prefix + "beacon:" + (slot is { } s ? "{" + HashSlots.TagFor(s) + "}" : string.Empty) + replicaId + "@" + server;

    /// <summary>The prefix every <see cref="Beacon"/> key starts with.</summary>
    public static string BeaconPrefix(string prefix) => prefix + "beacon:";

    /// <summary>How long a beacon outlives its last write: far more than the interval, so only a flush removes it.</summary>
    public static readonly TimeSpan BeaconLifetime = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The claim on one firing of a scheduled warmup: <c>{prefix}warmup:{name:fireTimeUnixMs}</c>, holding the
    /// running replica's <c>replicaId:token</c>, then <c>done</c> once every key was reached. The braces are the
    /// cluster hash tag, shared with <see cref="WarmupProgress"/> so one script can touch both.
    /// </summary>
    public static string Warmup(string prefix, string name, long fireTimeUnixMs) => prefix + "warmup:{" + name + ":" + fireTimeUnixMs + "}";

    /// <summary>The keys one warmup firing has finished: a set at <c>{prefix}warmup:{name:fireTimeUnixMs}:done</c>.</summary>
    public static string WarmupProgress(string prefix, string name, long fireTimeUnixMs) => Warmup(prefix, name, fireTimeUnixMs) + ":done";

    /// <summary>
    /// The access history of one 5-minute slot (UTC): <c>{prefix}history:{dayOfWeek}:{slotOfDay}:{yyyyMMdd}</c>, a sorted
    /// set of the keys read most in that slot, scored by reads per minute. <paramref name="dayOfWeek"/> is 0 (Sunday)
    /// to 6; <paramref name="slotOfDay"/> is 0 to 287.
    /// </summary>
    public static string History(string prefix, int dayOfWeek, int slotOfDay, string date) =>
        prefix + "history:" + dayOfWeek.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" +
        slotOfDay.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + date;

    /// <summary>
    /// The claim on writing one slot's history: <c>{prefix}history-lease:{yyyyMMdd}:{slotOfDay}</c>, set NX to the
    /// writing replica's id, so one replica writes each slot.
    /// </summary>
    public static string HistoryLease(string prefix, string date, int slotOfDay) =>
        prefix + "history-lease:" + date + ":" + slotOfDay.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Returns text that hashes to the same cluster slot as <paramref name="key"/> and names it uniquely: the key itself
    /// when it carries a hash tag, else the key wrapped as one (<c>{product:1}</c>). A tag-less key holding a <c>}</c>
    /// cannot be wrapped (its own brace would end the tag early), so it gets a short tag of its slot in front instead:
    /// <c>{1234}odd}key</c>.
    /// </summary>
    public static string SameSlot(string key)
    {
        if (HasHashTag(key))
        {
            return key;
        }

        return key.Contains('}', StringComparison.Ordinal)
            ? "{" + HashSlots.TagFor(HashSlots.OfWholeKey(key)) + "}" + key
            : "{" + key + "}";
    }

    /// <summary>True when Redis Cluster would hash only part of <paramref name="key"/>: a non-empty <c>{...}</c>.</summary>
    public static bool HasHashTag(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return false;
        }

        var close = key.IndexOf('}', open + 1);
        return close > open + 1;
    }
}
