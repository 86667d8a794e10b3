namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The Lua scripts of a refresh. Each touches only the data key and worker keys built with its hash tag, so each runs
/// on one Redis Cluster slot. KEYS[1] is always the lease, KEYS[2] the data key, KEYS[3] the fail-safe marker, KEYS[4] the own-write marker.
/// Each script's reply is read by one decoder (RefreshScripts.Replies.cs), which turns its numbers into names. The lease's
/// extension and release are the scripts every lease shares (<see cref="Coordination.LeaseScripts"/>).
/// </summary>
internal static partial class RefreshScripts
{
    // A digest of what the data key holds, by its type: '' when it is missing, 'string:' and the SHA-1 of its value,
    // 'hash:' and the SHA-1 of its 'data' field (a library's entry) or, for the 'fields' layout, of all its fields in
    // order of name, or the type and ':' for any other. TYPE and PTTL do not touch the key's LRU/LFU.
    private const string DigestOf = """
        local function digestOf(key, layout)
          local kind = redis.call('TYPE', key)['ok']
          if kind == 'string' then return 'string:' .. redis.sha1hex(redis.call('GET', key)) end
          if kind == 'hash' and layout == 'fields' then
            local all = redis.call('HGETALL', key)
            local names = {}
            for i = 1, #all, 2 do names[#names + 1] = i end
            table.sort(names, function(a, b) return all[a] < all[b] end)
            local parts = {}
            for _, i in ipairs(names) do parts[#parts + 1] = #all[i] .. ':' .. all[i] .. #all[i + 1] .. ':' .. all[i + 1] end
            return 'hash:' .. redis.sha1hex(table.concat(parts))
          end
          if kind == 'hash' then return 'hash:' .. redis.sha1hex(redis.call('HGET', key, 'data') or '') end
          if kind == 'none' then return '' end
          return kind .. ':'
        end

        """;

    // The end of a won acquire or take-over: the data key's PTTL, its digest and Redis's clock in ms, so the fenced
    // write can tell whether anyone wrote or deleted the key meanwhile; for a library's entry also its field names
    // (sorted, comma-separated) and the first 9 and last 2 bytes of its data, enough to tell a layout the worker
    // does not write (EntryLayouts).
    private const string Seen = """
          local t = redis.call('TIME')
          local pttl = redis.call('PTTL', KEYS[2])
          local seen = {1, pttl, digestOf(KEYS[2], layout), tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
          if layout == 'hash' and redis.call('TYPE', KEYS[2])['ok'] == 'hash' then
            local names = redis.call('HKEYS', KEYS[2])
            table.sort(names)
            local data = redis.call('HGET', KEYS[2], 'data') or ''
            seen[5] = table.concat(names, ',')
            seen[6] = string.sub(data, 1, 9)
            seen[7] = string.sub(data, -2)
          end
          return seen

        """;

    /// <summary>
    /// Takes the lease if it is free and, in the same round trip, reads what the fenced write compares against: the
    /// data key's PTTL (the re-check), the digest of what it holds ('' when it is missing) and Redis's clock in ms. Returns
    /// {1, data PTTL, digest, now} when won, {0, lease PTTL, holder} when another holder has it (read by
    /// <see cref="ReadClaim"/>). ARGV: token, lease ms, layout (see <see cref="FencedWrite"/>).
    /// </summary>
    public const string Acquire = DigestOf + """
        local layout = ARGV[3]
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
        """ + Seen + """
        end
        return {0, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}
        """;

    /// <summary>
    /// Takes over a lease whose attempt is gone (a dead replica's, or this replica's own when the reply to its acquire
    /// was lost): only if it still holds exactly the value seen, so two survivors cannot both take it. Same returns as
    /// <see cref="Acquire"/>. ARGV: token, lease ms, the old holder's value, layout.
    /// </summary>
    public const string TakeOver = DigestOf + """
        local layout = ARGV[4]
        if redis.call('GET', KEYS[1]) == ARGV[3] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        """ + Seen + """
        end
        return {0, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}
        """;

    /// <summary>
    /// The fenced write: only while the lease is still ours and the key is as the lease found it, mark the write as the
    /// worker's (before it, so the marker exists when the write's keyspace event is read), SET the value with its TTL,
    /// clear the fail-safe marker and release the lease. "As found" is the same value digest with a TTL (an app that
    /// wrote the very same bytes again changed nothing the load could contradict; one that made the key permanent
    /// did); a key that was there and is gone counts as unchanged only once its expiry (Redis's clock, within ARGV[7]
    /// ms) has come: it expired, where before that an app deleted it.
    /// Returns {1, PTTL just before the write (-2: it had expired)}; {2, the key's PTTL} when an app wrote or deleted
    /// it meanwhile (superseded: nothing written, lease released); {3} when the lease was lost (nothing written); the
    /// codes are <see cref="FencedWriteOutcome"/>'s, read by <see cref="ReadFencedWrite"/>.
    /// ARGV: token, value, ttl ms, own-write marker ms, digest seen, expiry seen (Redis ms; -2 when missing), tolerance
    /// ms, layout ('string'; 'hash': the distributed-cache entry, absexp from ARGV[9] in UTC ticks; 'fields': a hash of
    /// columns, ARGV[12] pairs from ARGV[13] and then the NULL columns' names), a message and the channel to publish it
    /// on once written ('' for none: a cache library's backplane, so its nodes drop their copy).
    /// </summary>
    public const string FencedWrite = DigestOf + """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return {3}
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local before = redis.call('PTTL', KEYS[2])
        local digest = digestOf(KEYS[2], ARGV[8])
        local seenExpiry, tolerance = tonumber(ARGV[6]), tonumber(ARGV[7])
        local unchanged
        if digest ~= '' then
          unchanged = before >= 0 and digest == ARGV[5]
        else
          unchanged = ARGV[5] == '' or (seenExpiry >= 0 and now + tolerance >= seenExpiry)
        end
        if not unchanged then
          redis.call('DEL', KEYS[1], KEYS[3])
          return {2, before}
        end
        redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
        if ARGV[8] == 'hash' then
          -- The three fields are the whole entry; no DEL first, whose event would read as an app's invalidation.
          redis.call('HSET', KEYS[2], 'absexp', ARGV[9], 'sldexp', '-1', 'data', ARGV[2])
          redis.call('PEXPIRE', KEYS[2], ARGV[3])
        elseif ARGV[8] == 'fields' then
          -- ARGV[12] pairs of name and value from ARGV[13], then the names of NULL columns, removed.
          local count = tonumber(ARGV[12])
          if count > 0 then
            redis.call('HSET', KEYS[2], unpack(ARGV, 13, 12 + 2 * count))
          end
          if #ARGV > 12 + 2 * count then
            redis.call('HDEL', KEYS[2], unpack(ARGV, 13 + 2 * count, #ARGV))
          end
          redis.call('PEXPIRE', KEYS[2], ARGV[3])
        else
          redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        end
        redis.call('DEL', KEYS[1], KEYS[3])
        if ARGV[11] ~= '' then
          redis.call('PUBLISH', ARGV[11], ARGV[10])
        end
        return {1, before}
        """;

    /// <summary>
    /// The fail-safe: while the lease is ours, extends the old value's TTL to now + extension, but never past its
    /// first expiry + max stale (the first expiry is remembered in the marker key, on Redis's clock so replicas agree),
    /// then releases the lease; an extension is marked as the worker's own write, as the fenced write is, so its
    /// keyspace event is not taken for an app's. Returns the TTL the value now has in ms, -2 if there is no value to
    /// keep, -1 if it has no TTL, -3 if the lease was lost (<see cref="FailSafeOutcome"/>, read by <see cref="ReadFailSafe"/>).
    /// ARGV: token, extension ms, max stale ms, own-write marker ms.
    /// </summary>
    public const string FailSafeExtend = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return -3
        end
        redis.call('DEL', KEYS[1])
        local pttl = redis.call('PTTL', KEYS[2])
        if pttl < 0 then
          return pttl
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local maxStale = tonumber(ARGV[3])
        local first = tonumber(redis.call('GET', KEYS[3]))
        if not first then
          first = now + pttl
          redis.call('SET', KEYS[3], first, 'PX', pttl + maxStale + 1000)
        end
        local target = math.min(now + tonumber(ARGV[2]), first + maxStale)
        if target - now > pttl then
          redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
          redis.call('PEXPIRE', KEYS[2], target - now)
          return target - now
        end
        return pttl
        """;
}
