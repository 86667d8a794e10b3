using System.Text.RegularExpressions;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.Contracts.Values;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Configuration;

/// <summary>
/// Checks the whole <c>CacheWarmer</c> section at start. Each failure names the setting, what is wrong and the fix,
/// and all failures are reported at once so one start-up shows every mistake.
/// </summary>
internal sealed partial class CacheWarmerOptionsValidator : IValidateOptions<CacheWarmerOptions>
{
    private const string Root = CacheWarmerOptions.SectionName;

    // Shorter keys can be guessed; a random hex key of 32 characters is cheap.
    private const int MinApiKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, CacheWarmerOptions options)
    {
        var failures = new List<string>();
        ValidateRedis(options.Redis, failures);
        ValidateRefresh(options.Refresh, failures);
        ValidateBatchSettings(options.Refresh, failures);
        ValidateHotKeys(options, failures);
        ValidateHttp(options.Http, failures);
        foreach (var (sourceName, source) in options.Sources)
        {
            ValidateSource(sourceName, source, failures);
        }

        if (options.Loaders.Count == 0)
        {
            failures.Add($"{Root}:Loaders is empty: add at least one loader, such as \"product\": {{ \"Key\": \"product:{{id}}\", \"Source\": \"catalog\", \"Query\": \"SELECT id, name, price FROM products WHERE id = @id\" }}.");
        }

        foreach (var (loaderName, loader) in options.Loaders)
        {
            ValidateLoader(loaderName, loader, options, failures);
        }

        foreach (var (warmupName, warmup) in options.Warmups)
        {
            ValidateWarmup(warmupName, warmup, options, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateRedis(RedisOptions redis, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(redis.Configuration))
        {
            failures.Add($"{Root}:Redis:Configuration is empty: set it to a StackExchange.Redis configuration string such as \"127.0.0.1:6379\".");
        }
        else
        {
            try
            {
                ConfigurationOptions.Parse(redis.Configuration);
            }
            catch (ArgumentException ex)
            {
                // The parser's message names the bad option, never the password.
                failures.Add($"{Root}:Redis:Configuration is not a valid StackExchange.Redis configuration string ({ex.Message}): write \"host:port,password=...\".");
            }
        }

        if (redis.Database is < 0 or > 15)
        {
            failures.Add($"{Root}:Redis:Database is {redis.Database}: use a database number from 0 to 15 (0 on Redis Cluster).");
        }

        if (string.IsNullOrEmpty(redis.KeyPrefix) || redis.KeyPrefix.IndexOfAny(['{', '}']) >= 0 || redis.KeyPrefix.Any(char.IsWhiteSpace))
        {
            failures.Add($"{Root}:Redis:KeyPrefix \"{redis.KeyPrefix}\" is empty or holds braces or spaces: use a short prefix such as \"cw:\" (braces would break Redis Cluster hash tags).");
        }

        if (redis.BeaconInterval != TimeSpan.Zero && (redis.BeaconInterval < TimeSpan.FromMilliseconds(100) || redis.BeaconInterval > TimeSpan.FromSeconds(10)))
        {
            failures.Add($"{Root}:Redis:BeaconInterval is {redis.BeaconInterval}: use 00:00:00.100 to 00:00:10, such as 00:00:01 (how fast a FLUSHALL or a failover is noticed), or 00:00:00 to turn the beacon off.");
        }
    }

    private static void ValidateHotKeys(CacheWarmerOptions options, List<string> failures)
    {
        const string Section = Root + ":HotKeys";
        var hotKeys = options.HotKeys;
        if (hotKeys.Capacity is < 1 or > 10_000_000)
        {
            failures.Add($"{Section}:Capacity is {hotKeys.Capacity}: use a number of keys from 1 to 10000000, such as 100000 (about 64 bytes of memory per key plus the key text).");
        }

        if (hotKeys.LfuMaxKeys is < 0 or > 10_000_000)
        {
            failures.Add($"{Section}:LfuMaxKeys is {hotKeys.LfuMaxKeys}: use a number of keys from 0 to 10000000, such as 100000: how many keys' LFU counters are read each minute (0 reads none).");
        }

        if (hotKeys.PinnedCapacity is < 0 or > 10_000_000)
        {
            failures.Add($"{Section}:PinnedCapacity is {hotKeys.PinnedCapacity}: use a number of keys from 0 to 10000000, such as 100000: how many keys pins, warms and warmups may keep warm beyond Capacity.");
        }
        else if (hotKeys.Pinned.Count > hotKeys.PinnedCapacity)
        {
            failures.Add($"{Section}:Pinned lists {hotKeys.Pinned.Count} keys, more than {Section}:PinnedCapacity ({hotKeys.PinnedCapacity}): raise PinnedCapacity to at least {hotKeys.Pinned.Count}, or pin fewer keys.");
        }

        if (hotKeys.HalfLife < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Section}:HalfLife is {hotKeys.HalfLife}: use at least one second, such as \"00:05:00\".");
        }

        if (!(hotKeys.MinRatePerMinute >= 0) || double.IsInfinity(hotKeys.MinRatePerMinute))
        {
            failures.Add($"{Section}:MinRatePerMinute is {hotKeys.MinRatePerMinute}: use 0 (manage every loader key) or a positive number of reads per minute, such as 1.");
        }

        if (hotKeys.CoolDown < TimeSpan.Zero)
        {
            failures.Add($"{Section}:CoolDown is negative ({hotKeys.CoolDown}): use a duration such as \"00:05:00\".");
        }

        if (!(hotKeys.AppWriteWeight >= 0) || double.IsInfinity(hotKeys.AppWriteWeight))
        {
            failures.Add($"{Section}:AppWriteWeight is {hotKeys.AppWriteWeight}: use 0 (ignore app writes) or a positive number of reads, such as 1.");
        }

        if (hotKeys.Replay < TimeSpan.Zero)
        {
            failures.Add($"{Section}:Replay is negative ({hotKeys.Replay}): use a duration such as \"00:15:00\", or \"00:00:00\" to read only new samples.");
        }

        var patterns = options.Loaders.Values
            .Select(l => KeyPattern.TryParse(l.Key, out var p, out _) ? p : null)
            .OfType<KeyPattern>()
            .ToList();
        for (var i = 0; i < hotKeys.Pinned.Count; i++)
        {
            var key = hotKeys.Pinned[i];
            if (string.IsNullOrEmpty(key) || !patterns.Any(p => p.TryMatch(key, out _)))
            {
                failures.Add($"{Section}:Pinned:{i} \"{key}\" matches no loader's Key pattern: pin keys the worker can load, such as \"product:42\" for a loader with Key \"product:{{id}}\".");
            }
        }
    }

    private static void ValidateHttp(HttpOptions http, List<string> failures)
    {
        const string Section = Root + ":Http";
        if (!ListenUrls.TryParse(http.Urls, out var urls, out var error))
        {
            failures.Add($"{Section}:Urls {error}: write one or more URLs separated by ';', such as \"{HttpOptions.DefaultUrls}\".");
        }
        else if (string.IsNullOrEmpty(http.ApiKey) && urls.FirstOrDefault(u => !u.IsLoopback) is { Text: not null } open)
        {
            failures.Add($"{Section}:Urls \"{open.Text}\" is reachable from other machines, and {Section}:ApiKey is empty, so anyone could warm keys: set {Section}:ApiKey (for example from a secret, as the environment variable CacheWarmer__Http__ApiKey), or listen on loopback only, such as \"{HttpOptions.DefaultUrls}\".");
        }

        // The key itself is never part of a message.
        if (!string.IsNullOrEmpty(http.ApiKey) && (http.ApiKey.Length < MinApiKeyLength || http.ApiKey.Any(char.IsWhiteSpace)))
        {
            failures.Add($"{Section}:ApiKey is shorter than {MinApiKeyLength} characters or holds white space: use a random key of at least {MinApiKeyLength} characters, such as the output of `openssl rand -hex 32`.");
        }

        if (http.MaxKeysPerRequest is < 1 or > 1_000_000)
        {
            failures.Add($"{Section}:MaxKeysPerRequest is {http.MaxKeysPerRequest}: use a number of keys from 1 to 1000000, such as 10000.");
        }

        if (http.MaxConcurrentScans is < 1 or > 64)
        {
            failures.Add($"{Section}:MaxConcurrentScans is {http.MaxConcurrentScans}: use a number of scans from 1 to 64, such as 2 (each walks the whole keyspace of every primary).");
        }

        if (http.MaxRequestBytes is < 1024 or > 256L * 1024 * 1024)
        {
            failures.Add($"{Section}:MaxRequestBytes is {http.MaxRequestBytes}: use a number of bytes from 1024 to 268435456, such as 1048576 (1 MiB).");
        }

        if (http.WarmPin < TimeSpan.Zero)
        {
            failures.Add($"{Section}:WarmPin is negative ({http.WarmPin}): use a duration such as \"00:10:00\", or \"00:00:00\" to leave warmed keys to the hot-key model.");
        }

        if (!(http.Warm.MaxPerSecond > 0 && http.Warm.MaxPerSecond <= 100_000))
        {
            failures.Add($"{Section}:Warm:MaxPerSecond is {http.Warm.MaxPerSecond}: use a number of keys per second above 0 and at most 100000, such as 200 (every replica warms at this pace).");
        }

        if (http.Warm.MaxConcurrency is < 1 or > 1024)
        {
            failures.Add($"{Section}:Warm:MaxConcurrency is {http.Warm.MaxConcurrency}: use a number from 1 to 1024, such as 8.");
        }
    }

    private static void ValidateRefresh(RefreshOptions refresh, List<string> failures)
    {
        const string Section = Root + ":Refresh";
        if (refresh.Buffer < TimeSpan.Zero)
        {
            failures.Add($"{Section}:Buffer is negative ({refresh.Buffer}): use a duration such as \"00:00:05\".");
        }

        if (!(refresh.Beta > 0 && refresh.Beta <= 100))
        {
            failures.Add($"{Section}:Beta is {refresh.Beta}: use a number above 0 and at most 100 (1 is XFetch's default).");
        }

        if (refresh.LeaseTtl < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Section}:LeaseTtl is {refresh.LeaseTtl}: use at least \"00:00:01\" (default \"00:00:30\").");
        }

        if (refresh.MaxConcurrency is < 1 or > 1024)
        {
            failures.Add($"{Section}:MaxConcurrency is {refresh.MaxConcurrency}: use a number from 1 to 1024.");
        }

        if (refresh.MaxValueBytes is < 1 or > 512 * 1024 * 1024)
        {
            failures.Add($"{Section}:MaxValueBytes is {refresh.MaxValueBytes}: use a size in bytes from 1 to 536870912 (512 MiB), such as 1048576 (1 MiB).");
        }

        if (refresh.LoadTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:LoadTimeout is {refresh.LoadTimeout}: use a positive duration such as \"00:00:10\".");
        }

        if (refresh.FailSafe.Extension <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:FailSafe:Extension is {refresh.FailSafe.Extension}: use a positive duration such as \"00:01:00\".");
        }

        if (refresh.FailSafe.MaxStale < TimeSpan.Zero)
        {
            failures.Add($"{Section}:FailSafe:MaxStale is negative ({refresh.FailSafe.MaxStale}): use a duration such as \"01:00:00\", or \"00:00:00\" to never serve past expiry.");
        }

        if (refresh.FailSafe.RetryDelay <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:FailSafe:RetryDelay is {refresh.FailSafe.RetryDelay}: use a positive duration such as \"00:00:01\".");
        }

        if (refresh.CircuitBreaker.FailureThreshold < 1)
        {
            failures.Add($"{Section}:CircuitBreaker:FailureThreshold is {refresh.CircuitBreaker.FailureThreshold}: use 1 or more.");
        }

        if (refresh.CircuitBreaker.BreakDuration <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:CircuitBreaker:BreakDuration is {refresh.CircuitBreaker.BreakDuration}: use a positive duration such as \"00:00:30\".");
        }
    }

    private static void ValidateSource(string name, SourceOptions source, List<string> failures)
    {
        var section = $"{Root}:Sources:{name}";
        EnumSetting.Check<SourceProvider>(source.Provider, failures, $"{section}:Provider \"{source.Provider}\" is not supported: use one of {EnumSetting.Names<SourceProvider>()}.");

        if (string.IsNullOrWhiteSpace(source.ConnectionString))
        {
            failures.Add($"{section}:ConnectionString is empty: set it (for Sqlite, \"Data Source=demo/catalog.db\"; for Postgres or MySql, \"Host=...;Username=...;Password=...;Database=...\").");
        }
    }

    private static void ValidateLoader(string name, LoaderOptions loader, CacheWarmerOptions options, List<string> failures)
    {
        var section = $"{Root}:Loaders:{name}";
        if (!KeyPattern.TryParse(loader.Key, out var pattern, out var error))
        {
            failures.Add($"{section}:Key is invalid: {error}.");
        }

        if (string.IsNullOrWhiteSpace(loader.Source))
        {
            failures.Add($"{section}:Source is empty: name one of the sources under {Root}:Sources ({Known(options.Sources.Keys)}).");
        }
        else if (!options.Sources.ContainsKey(loader.Source))
        {
            failures.Add($"{section}:Source \"{loader.Source}\" is not a configured source: use one of {Known(options.Sources.Keys)}, or add it under {Root}:Sources.");
        }

        if (string.IsNullOrWhiteSpace(loader.Query))
        {
            failures.Add($"{section}:Query is empty: write the query that loads one key, such as \"SELECT id, name, price FROM products WHERE id = @id\".");
        }
        else if (pattern is not null)
        {
            foreach (var parameter in pattern.Parameters)
            {
                if (!Regex.IsMatch(loader.Query, $@"[@:]{Regex.Escape(parameter)}\b", RegexOptions.CultureInvariant))
                {
                    failures.Add($"{section}:Query does not use the key parameter @{parameter} of \"{loader.Key}\": filter by it (for example \"WHERE {parameter} = @{parameter}\"), or the key's value would be loaded for every key alike.");
                }
            }
        }

        ValidateBatchQuery(section, loader, pattern, options, failures);

        var shape = EnumSetting.Check<CacheValueShape>(loader.Result, failures, $"{section}:Result \"{loader.Result}\" is not a result shape: use Row, Rows or Scalar.");
        var format = EnumSetting.Check<ValueFormat>(loader.Format, failures, $"{section}:Format \"{loader.Format}\" is not a value format: use String (the value's bytes), DistributedCache (the hash RedisCache behind IDistributedCache reads) FusionCache or HybridCache (those libraries' entries over RedisCache), or Hash (one field per column).");
        if (format is ValueFormat.FusionCache or ValueFormat.HybridCache && shape == CacheValueShape.Scalar)
        {
            failures.Add($"{section}:Format {format} keeps the value as the JSON its serializer reads, and a Scalar result is raw text: use Result Row or Rows.");
        }

        if (format == ValueFormat.Hash && shape is { } rowShape && rowShape != CacheValueShape.Row)
        {
            failures.Add($"{section}:Format Hash keeps one row's columns as the hash's fields, and Result is {loader.Result}: use Result Row.");
        }

        if (loader.CacheName.Length > 0 && format != ValueFormat.FusionCache)
        {
            failures.Add($"{section}:CacheName names a FusionCache's backplane, and Format is {loader.Format}: set Format to FusionCache or remove CacheName.");
        }
        else if (loader.CacheName.Length > 0 && !loader.Key.StartsWith(loader.InstanceName + LoaderOptions.FusionCacheKeyPrefix, StringComparison.Ordinal))
        {
            failures.Add($"{section}:Key \"{loader.Key}\" must begin with InstanceName plus FusionCache's \"{LoaderOptions.FusionCacheKeyPrefix}\" (\"{loader.InstanceName}{LoaderOptions.FusionCacheKeyPrefix}\") for the backplane message to name the right key: set InstanceName to the distributed cache's.");
        }

        if (loader.InstanceName.Length > 0 && !loader.Key.StartsWith(loader.InstanceName, StringComparison.Ordinal))
        {
            failures.Add($"{section}:InstanceName \"{loader.InstanceName}\" is not the start of Key \"{loader.Key}\": the Redis key is the InstanceName plus the cache's own key, so begin Key with it.");
        }

        var floor = options.Refresh.Buffer + options.Refresh.LeaseTtl;
        if (loader.Ttl <= floor)
        {
            failures.Add($"{section}:Ttl ({loader.Ttl}) must be longer than Refresh:Buffer + Refresh:LeaseTtl ({floor}), so a refresh that waits out a stalled lease still lands before expiry: raise the Ttl or lower Buffer or LeaseTtl.");
        }

        if (loader.TtlJitter < TimeSpan.Zero || loader.TtlJitter > loader.Ttl)
        {
            failures.Add($"{section}:TtlJitter ({loader.TtlJitter}) must be between zero and the Ttl ({loader.Ttl}).");
        }
    }

    private static string Known(IEnumerable<string> names)
    {
        var list = string.Join(", ", names.Select(n => $"\"{n}\""));
        return list.Length == 0 ? "none is configured" : list;
    }
}
