using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Tests.Configuration;

public class CacheWarmerOptionsValidatorTests
{
    [Fact]
    public void Configuration_like_appsettings_json_passes()
    {
        var result = Validate(Valid());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Defaults_with_one_source_and_one_loader_pass()
    {
        var result = Validate(new Dictionary<string, string?>
        {
            ["CacheWarmer:Sources:catalog:Provider"] = "Sqlite",
            ["CacheWarmer:Sources:catalog:ConnectionString"] = "Data Source=demo/catalog.db",
            ["CacheWarmer:Loaders:product:Key"] = "product:{id}",
            ["CacheWarmer:Loaders:product:Source"] = "catalog",
            ["CacheWarmer:Loaders:product:Query"] = "SELECT id, name, price FROM products WHERE id = @id",
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("SQLITE")]
    public void Provider_names_are_case_insensitive(string provider)
    {
        var result = Validate(With(Valid(), "Sources:catalog:Provider", provider));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void More_pinned_keys_than_PinnedCapacity_fail_naming_both_settings()
    {
        var result = Validate(With(With(Valid(), "HotKeys:Pinned:0", "product:42"), "HotKeys:PinnedCapacity", "0"));

        Assert.False(result.Succeeded);
        Assert.Contains("CacheWarmer:HotKeys:Pinned lists 1 keys, more than CacheWarmer:HotKeys:PinnedCapacity (0)", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("at least 1", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_may_name_the_parameter_with_a_colon()
    {
        var result = Validate(With(Valid(), "Loaders:product:Query", "SELECT id, name, price FROM products WHERE id = :id"));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    public static TheoryData<string, string, string, string[]> InvalidSettings => new()
    {
        // setting under CacheWarmer, bad value, the setting the message must name, words of the fix
        { "Loaders:product:Query", "SELECT id, name, price FROM products WHERE id = 1", "CacheWarmer:Loaders:product:Query", ["@id", "\"product:{id}\"", "WHERE id = @id"] },
        { "Loaders:product:Query", "SELECT id FROM products WHERE id = @identifier", "CacheWarmer:Loaders:product:Query", ["@id", "WHERE id = @id"] },
        { "Loaders:product:Source", "warehouse", "CacheWarmer:Loaders:product:Source", ["\"warehouse\"", "not a configured source", "\"catalog\"", "CacheWarmer:Sources"] },
        { "Loaders:product:Source", "", "CacheWarmer:Loaders:product:Source", ["is empty", "\"catalog\""] },
        { "Loaders:product:Ttl", "00:00:30", "CacheWarmer:Loaders:product:Ttl", ["Refresh:Buffer + Refresh:LeaseTtl", "00:00:35", "raise the Ttl"] },
        { "Loaders:product:Ttl", "00:00:35", "CacheWarmer:Loaders:product:Ttl", ["Refresh:Buffer + Refresh:LeaseTtl", "00:00:35", "raise the Ttl"] },
        { "Sources:catalog:Provider", "Oracle", "CacheWarmer:Sources:catalog:Provider", ["\"Oracle\"", "not supported", "Sqlite", "Postgres"] },
        { "Sources:catalog:Provider", "1", "CacheWarmer:Sources:catalog:Provider", ["\"1\"", "not supported", "Sqlite", "Postgres"] },
        { "Sources:catalog:ConnectionString", "", "CacheWarmer:Sources:catalog:ConnectionString", ["is empty", "Data Source="] },
        { "Loaders:product:Query", "", "CacheWarmer:Loaders:product:Query", ["is empty", "WHERE id = @id"] },
        { "Loaders:product:Query", "   ", "CacheWarmer:Loaders:product:Query", ["is empty", "WHERE id = @id"] },
        { "Loaders:product:Key", "product:{id", "CacheWarmer:Loaders:product:Key", ["is invalid", "unclosed"] },
        { "Loaders:product:Key", "product:{id}}", "CacheWarmer:Loaders:product:Key", ["is invalid", "unmatched"] },
        { "Loaders:product:Key", "product:{id}{name}", "CacheWarmer:Loaders:product:Key", ["is invalid", "side by side"] },
        { "Loaders:product:Key", "product:{1d}", "CacheWarmer:Loaders:product:Key", ["is invalid", "invalid parameter name"] },
        { "Loaders:product:Result", "Table", "CacheWarmer:Loaders:product:Result", ["\"Table\"", "Row, Rows or Scalar"] },
        { "Loaders:product:Result", "2", "CacheWarmer:Loaders:product:Result", ["\"2\"", "Row, Rows or Scalar"] },
        { "Loaders:product:Format", "Hybrid", "CacheWarmer:Loaders:product:Format", ["\"Hybrid\"", "String", "DistributedCache"] },
        { "Loaders:product:TtlJitter", "-00:00:01", "CacheWarmer:Loaders:product:TtlJitter", ["between zero and the Ttl"] },
        { "Loaders:product:TtlJitter", "00:10:00", "CacheWarmer:Loaders:product:TtlJitter", ["between zero and the Ttl"] },
        { "Redis:KeyPrefix", "cw{1}:", "CacheWarmer:Redis:KeyPrefix", ["braces", "\"cw:\""] },
        { "Redis:KeyPrefix", "c w:", "CacheWarmer:Redis:KeyPrefix", ["spaces", "\"cw:\""] },
        { "Redis:KeyPrefix", "", "CacheWarmer:Redis:KeyPrefix", ["empty", "\"cw:\""] },
        { "Redis:Configuration", "", "CacheWarmer:Redis:Configuration", ["is empty", "127.0.0.1:6379"] },
        { "Redis:Database", "16", "CacheWarmer:Redis:Database", ["from 0 to 15"] },
        { "Redis:BeaconInterval", "00:00:00.050", "CacheWarmer:Redis:BeaconInterval", ["00:00:00.100 to 00:00:10", "00:00:00 to turn the beacon off"] },
        { "Redis:BeaconInterval", "00:01:00", "CacheWarmer:Redis:BeaconInterval", ["00:00:00.100 to 00:00:10", "00:00:01"] },
        { "Refresh:Beta", "0", "CacheWarmer:Refresh:Beta", ["above 0", "at most 100"] },
        { "Refresh:Beta", "-1", "CacheWarmer:Refresh:Beta", ["above 0", "at most 100"] },
        { "Refresh:Beta", "101", "CacheWarmer:Refresh:Beta", ["above 0", "at most 100"] },
        { "Refresh:Beta", "NaN", "CacheWarmer:Refresh:Beta", ["above 0", "at most 100"] },
        { "Refresh:MaxConcurrency", "0", "CacheWarmer:Refresh:MaxConcurrency", ["from 1 to 1024"] },
        { "Refresh:MaxConcurrency", "1025", "CacheWarmer:Refresh:MaxConcurrency", ["from 1 to 1024"] },
        { "Refresh:MaxValueBytes", "0", "CacheWarmer:Refresh:MaxValueBytes", ["from 1 to 536870912", "1048576"] },
        { "Refresh:MaxValueBytes", "536870913", "CacheWarmer:Refresh:MaxValueBytes", ["from 1 to 536870912"] },
        { "Refresh:Buffer", "-00:00:01", "CacheWarmer:Refresh:Buffer", ["negative"] },
        { "Refresh:LoadTimeout", "00:00:00", "CacheWarmer:Refresh:LoadTimeout", ["positive duration"] },
        { "Refresh:FailSafe:Extension", "00:00:00", "CacheWarmer:Refresh:FailSafe:Extension", ["positive duration"] },
        { "Refresh:FailSafe:MaxStale", "-00:00:01", "CacheWarmer:Refresh:FailSafe:MaxStale", ["negative", "00:00:00"] },
        { "Refresh:FailSafe:RetryDelay", "00:00:00", "CacheWarmer:Refresh:FailSafe:RetryDelay", ["positive duration"] },
        { "Refresh:CircuitBreaker:FailureThreshold", "0", "CacheWarmer:Refresh:CircuitBreaker:FailureThreshold", ["1 or more"] },
        { "Refresh:CircuitBreaker:BreakDuration", "00:00:00", "CacheWarmer:Refresh:CircuitBreaker:BreakDuration", ["positive duration"] },
        { "HotKeys:Capacity", "0", "CacheWarmer:HotKeys:Capacity", ["from 1 to 10000000", "100000"] },
        { "HotKeys:HalfLife", "00:00:00.500", "CacheWarmer:HotKeys:HalfLife", ["at least one second", "\"00:05:00\""] },
        { "HotKeys:MinRatePerMinute", "-1", "CacheWarmer:HotKeys:MinRatePerMinute", ["0 (manage every loader key)", "reads per minute"] },
        { "HotKeys:CoolDown", "-00:00:01", "CacheWarmer:HotKeys:CoolDown", ["is negative", "\"00:05:00\""] },
        { "HotKeys:AppWriteWeight", "-2", "CacheWarmer:HotKeys:AppWriteWeight", ["0 (ignore app writes)"] },
        { "HotKeys:Replay", "-00:01:00", "CacheWarmer:HotKeys:Replay", ["is negative", "only new samples"] },
        { "HotKeys:Pinned:0", "order:7", "CacheWarmer:HotKeys:Pinned:0", ["\"order:7\"", "matches no loader", "\"product:42\""] },
        { "HotKeys:PinnedCapacity", "-1", "CacheWarmer:HotKeys:PinnedCapacity", ["from 0 to 10000000", "beyond Capacity"] },
        { "HotKeys:LfuMaxKeys", "-1", "CacheWarmer:HotKeys:LfuMaxKeys", ["from 0 to 10000000", "LFU counters"] },
        { "Http:Urls", "http://0.0.0.0:8080", "CacheWarmer:Http:Urls", ["\"http://0.0.0.0:8080\"", "reachable from other machines", "CacheWarmer:Http:ApiKey", "CacheWarmer__Http__ApiKey", "http://127.0.0.1:8080"] },
        { "Http:Urls", "http://+:8080", "CacheWarmer:Http:Urls", ["\"http://+:8080\"", "reachable from other machines", "CacheWarmer:Http:ApiKey"] },
        { "Http:Urls", "http://*:8080", "CacheWarmer:Http:Urls", ["\"http://*:8080\"", "reachable from other machines", "CacheWarmer:Http:ApiKey"] },
        { "Http:Urls", "http://[::]:8080", "CacheWarmer:Http:Urls", ["\"http://[::]:8080\"", "reachable from other machines"] },
        { "Http:Urls", "http://cachewarmer.internal:8080", "CacheWarmer:Http:Urls", ["\"http://cachewarmer.internal:8080\"", "reachable from other machines"] },
        { "Http:Urls", "http://127.0.0.1:8080;http://10.0.0.5:8080", "CacheWarmer:Http:Urls", ["\"http://10.0.0.5:8080\"", "reachable from other machines"] },
        { "Http:Urls", "127.0.0.1:8080", "CacheWarmer:Http:Urls", ["\"127.0.0.1:8080\"", "not a URL", "http://127.0.0.1:8080"] },
        { "Http:Urls", "ftp://127.0.0.1:21", "CacheWarmer:Http:Urls", ["\"ftp://127.0.0.1:21\"", "not a URL"] },
        { "Http:Urls", "http://127.0.0.1:99999", "CacheWarmer:Http:Urls", ["\"http://127.0.0.1:99999\"", "not a URL"] },
        { "Http:Urls", " ", "CacheWarmer:Http:Urls", ["is empty", "http://127.0.0.1:8080"] },
        { "Http:ApiKey", "short", "CacheWarmer:Http:ApiKey", ["shorter than 16 characters", "openssl rand -hex 32"] },
        { "Http:ApiKey", "has white space in it, sadly", "CacheWarmer:Http:ApiKey", ["white space"] },
        { "Http:MaxKeysPerRequest", "0", "CacheWarmer:Http:MaxKeysPerRequest", ["from 1 to 1000000", "10000"] },
        { "Http:MaxConcurrentScans", "0", "CacheWarmer:Http:MaxConcurrentScans", ["from 1 to 64", "such as 2"] },
        { "Http:MaxRequestBytes", "100", "CacheWarmer:Http:MaxRequestBytes", ["from 1024", "1048576"] },
        { "Http:WarmPin", "-00:00:01", "CacheWarmer:Http:WarmPin", ["negative", "\"00:10:00\""] },
        { "Http:Warm:MaxPerSecond", "0", "CacheWarmer:Http:Warm:MaxPerSecond", ["above 0", "200"] },
        { "Http:Warm:MaxPerSecond", "NaN", "CacheWarmer:Http:Warm:MaxPerSecond", ["above 0", "200"] },
        { "Http:Warm:MaxConcurrency", "0", "CacheWarmer:Http:Warm:MaxConcurrency", ["from 1 to 1024", "8"] },
        { "Warmups:morning-rush:Cron", "0 61 8 ? * MON-FRI", "CacheWarmer:Warmups:morning-rush:Cron", ["\"0 61 8 ? * MON-FRI\"", "not a valid Quartz cron expression", "'?'", "\"0 55 8 ? * MON-FRI\""] },
        { "Warmups:morning-rush:Cron", "55 8 * * 1-5", "CacheWarmer:Warmups:morning-rush:Cron", ["not a valid Quartz cron expression", "seconds first"] },
        { "Warmups:morning-rush:Cron", " ", "CacheWarmer:Warmups:morning-rush:Cron", ["is empty", "\"0 55 8 ? * MON-FRI\""] },
        { "Warmups:morning-rush:TimeZone", "Mars/Olympus_Mons", "CacheWarmer:Warmups:morning-rush:TimeZone", ["\"Mars/Olympus_Mons\"", "not a time zone", "\"Europe/Berlin\"", "\"UTC\""] },
        { "Warmups:morning-rush:TimeZone", "", "CacheWarmer:Warmups:morning-rush:TimeZone", ["not a time zone", "\"Europe/Berlin\""] },
        { "Warmups:morning-rush:Loader", "prodcut", "CacheWarmer:Warmups:morning-rush:Loader", ["\"prodcut\"", "not a configured loader", "\"product\"", "CacheWarmer:Loaders"] },
        { "Warmups:morning-rush:Loader", "", "CacheWarmer:Warmups:morning-rush:Loader", ["is empty", "\"product\""] },
        { "Warmups:morning-rush:Keys:0", "order:7", "CacheWarmer:Warmups:morning-rush:Keys:0", ["\"order:7\"", "does not match", "\"product:{id}\"", "\"product\""] },
        { "Warmups:morning-rush:Predict:Window", "00:00:00", "CacheWarmer:Warmups:morning-rush:Predict:Window", ["positive duration", "\"01:00:00\""] },
        { "Warmups:morning-rush:Predict:Top", "0", "CacheWarmer:Warmups:morning-rush:Predict:Top", ["from 1 to 100000", "1000"] },
        { "Warmups:morning-rush:Predict:Lead", "-00:01:00", "CacheWarmer:Warmups:morning-rush:Predict:Lead", ["\"00:00:00\" to one day"] },
        { "Warmups:morning-rush:MaxPerSecond", "0", "CacheWarmer:Warmups:morning-rush:MaxPerSecond", ["above 0", "200"] },
        { "Warmups:morning-rush:MaxPerSecond", "NaN", "CacheWarmer:Warmups:morning-rush:MaxPerSecond", ["above 0", "200"] },
        { "Warmups:morning-rush:MaxConcurrency", "0", "CacheWarmer:Warmups:morning-rush:MaxConcurrency", ["from 1 to 1024", "8"] },
        { "Warmups:morning-rush:Pin", "00:00:00", "CacheWarmer:Warmups:morning-rush:Pin", ["positive duration", "\"01:00:00\""] },
    };

    [Fact]
    public void A_warmup_with_nothing_to_warm_fails_naming_keys_ids_and_predict()
    {
        var settings = Valid();
        settings.Remove("CacheWarmer:Warmups:morning-rush:Keys:0");
        settings.Remove("CacheWarmer:Warmups:morning-rush:Ids");
        settings.Remove("CacheWarmer:Warmups:morning-rush:Predict:Window");

        var result = Validate(settings);

        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith("CacheWarmer:Warmups:morning-rush has nothing to warm", failure, StringComparison.Ordinal);
        Assert.Contains("Keys", failure, StringComparison.Ordinal);
        Assert.Contains("Ids", failure, StringComparison.Ordinal);
        Assert.Contains("Predict", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_need_a_loader_with_one_key_parameter()
    {
        var settings = With(Valid(), "Loaders:product:Key", "product:{region}:{id}");
        settings = With(settings, "Loaders:product:Query", "SELECT id FROM products WHERE region = @region AND id = @id");
        settings = With(settings, "Warmups:morning-rush:Keys:0", "product:eu:1");

        var result = Validate(settings);

        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith("CacheWarmer:Warmups:morning-rush:Ids ", failure, StringComparison.Ordinal);
        Assert.Contains("exactly one key parameter", failure, StringComparison.Ordinal);
        Assert.Contains("Keys instead", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warmup_name_that_cannot_be_part_of_a_redis_key_is_refused()
    {
        var settings = Valid();
        foreach (var key in settings.Keys.Where(k => k.StartsWith("CacheWarmer:Warmups:morning-rush:", StringComparison.Ordinal)).ToList())
        {
            settings[key.Replace("morning-rush", "morning {rush}", StringComparison.Ordinal)] = settings[key];
            settings.Remove(key);
        }

        var result = Validate(settings);

        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith("CacheWarmer:Warmups:morning {rush} has a name", failure, StringComparison.Ordinal);
        Assert.Contains("\"morning-rush\"", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("Europe/Berlin")]
    [InlineData("America/New_York")]
    public void Iana_time_zones_are_accepted(string zone)
    {
        var result = Validate(With(Valid(), "Warmups:morning-rush:TimeZone", zone));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_warmup_with_only_keys_defaults_to_utc_and_passes()
    {
        var settings = Valid();
        settings.Remove("CacheWarmer:Warmups:morning-rush:TimeZone");
        settings.Remove("CacheWarmer:Warmups:morning-rush:Ids");
        settings.Remove("CacheWarmer:Warmups:morning-rush:Predict:Window");

        var result = Validate(settings);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Each_invalid_setting_fails_once_with_a_message_naming_the_setting_and_the_fix(string setting, string value, string path, string[] fixWords)
    {
        var result = Validate(With(Valid(), setting, value));

        Assert.True(result.Failed, $"{path} = \"{value}\" passed validation");
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith(path + " ", failure, StringComparison.Ordinal);
        foreach (var word in fixWords)
        {
            Assert.Contains(word, failure, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://[::1]:8080")]
    [InlineData("https://127.0.0.2:8443")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://127.0.0.1:8080; http://[::1]:8080")]
    public void Loopback_urls_need_no_api_key(string urls)
    {
        var result = Validate(With(Valid(), "Http:Urls", urls));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://*:8080")]
    public void Any_url_is_accepted_with_an_api_key(string urls)
    {
        var configuration = With(Valid(), "Http:Urls", urls);

        var result = Validate(With(configuration, "Http:ApiKey", "0123456789abcdef0123456789abcdef"));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_rejected_api_key_is_never_part_of_the_message()
    {
        const string Key = "secret-but-short";
        var result = Validate(With(Valid(), "Http:ApiKey", Key[..10]));

        var failure = Assert.Single(result.Failures!);
        Assert.DoesNotContain(Key[..10], failure, StringComparison.Ordinal);
    }

    [Fact]
    public void No_loaders_fails_once_with_an_example_loader()
    {
        var configuration = Valid();
        foreach (var key in configuration.Keys.Where(k => k.StartsWith("CacheWarmer:Loaders:", StringComparison.Ordinal) || k.StartsWith("CacheWarmer:Warmups:", StringComparison.Ordinal)).ToList())
        {
            configuration.Remove(key);
        }

        var result = Validate(configuration);

        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith("CacheWarmer:Loaders is empty", failure, StringComparison.Ordinal);
        Assert.Contains("add at least one loader", failure, StringComparison.Ordinal);
        Assert.Contains("product:{id}", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Result_naming_two_shapes_is_rejected_at_start_not_at_first_load()
    {
        // Enum parsing reads "Rows,Scalar" as the flags Rows | Scalar = 3, which is no shape at all: every load of
        // the loader would then throw. It must fail at start like any other bad Result.
        var result = Validate(With(Valid(), "Loaders:product:Result", "Rows,Scalar"));

        Assert.True(result.Failed, "CacheWarmer:Loaders:product:Result = \"Rows,Scalar\" passed validation");
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("CacheWarmer:Loaders:product:Result ", failure, StringComparison.Ordinal);
        Assert.Contains("Row, Rows or Scalar", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_FusionCache_loader_must_give_JSON_not_a_raw_scalar()
    {
        var result = Validate(With(With(Valid(), "Loaders:product:Format", "FusionCache"), "Loaders:product:Result", "Scalar"));

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("CacheWarmer:Loaders:product:Format FusionCache ", failure, StringComparison.Ordinal);
        Assert.Single(Validate(With(With(Valid(), "Loaders:product:Format", "HybridCache"), "Loaders:product:Result", "Scalar")).Failures!);
        Assert.Contains("use Result Row", Assert.Single(Validate(With(With(Valid(), "Loaders:product:Format", "Hash"), "Loaders:product:Result", "Rows")).Failures!), StringComparison.Ordinal);
        Assert.Contains("is not the start of Key", Assert.Single(Validate(With(Valid(), "Loaders:product:InstanceName", "other:")).Failures!), StringComparison.Ordinal);
        Assert.Contains("Row or Rows", failure, StringComparison.Ordinal);
        Assert.False(Validate(With(Valid(), "Loaders:product:Format", "FusionCache")).Failed);
    }

    [Fact]
    public void A_FusionCache_backplane_name_needs_the_FusionCache_format_and_a_key_that_starts_with_its_prefix()
    {
        var withoutFormat = Assert.Single(Validate(With(Valid(), "Loaders:product:CacheName", "shop")).Failures!);
        Assert.Contains("set Format to FusionCache", withoutFormat, StringComparison.Ordinal);

        var wrongKey = Assert.Single(Validate(With(With(Valid(), "Loaders:product:Format", "FusionCache"), "Loaders:product:CacheName", "shop")).Failures!);
        Assert.StartsWith("CacheWarmer:Loaders:product:Key ", wrongKey, StringComparison.Ordinal);
        Assert.Contains("\"v2:\"", wrongKey, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_mistake_is_reported_at_once()
    {
        var configuration = With(Valid(), "Loaders:product:Source", "warehouse");
        configuration = With(configuration, "Refresh:Beta", "0");
        configuration = With(configuration, "Sources:catalog:Provider", "Oracle");

        var result = Validate(configuration);

        Assert.NotNull(result.Failures);
        Assert.Equal(3, result.Failures.Count());
        Assert.Contains(result.Failures, f => f.StartsWith("CacheWarmer:Loaders:product:Source ", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.StartsWith("CacheWarmer:Refresh:Beta ", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.StartsWith("CacheWarmer:Sources:catalog:Provider ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Host_with_an_invalid_setting_fails_at_start_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Nothing listens on port 1; the worker must fail on its configuration before it needs Redis.
        var configuration = With(Valid(), "Redis:Configuration", "127.0.0.1:1,connectTimeout=200");
        builder.Configuration.AddInMemoryCollection(With(configuration, "Loaders:product:Source", "warehouse"));
        builder.AddCacheWarmer();
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("CacheWarmer:Loaders:product:Source \"warehouse\" is not a configured source", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_host_listening_beyond_loopback_without_an_api_key_refuses_to_start_and_binds_nothing()
    {
        var port = FreePort();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        var configuration = With(Valid(), "Redis:Configuration", "127.0.0.1:1,connectTimeout=200");
        builder.Configuration.AddInMemoryCollection(With(configuration, "Http:Urls", $"http://0.0.0.0:{port}"));
        builder.AddCacheWarmer();
        builder.AddCacheWarmerApi();
        await using var app = builder.Build();
        app.MapCacheWarmerApi();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"CacheWarmer:Http:Urls \"http://0.0.0.0:{port}\" is reachable from other machines", exception.Message, StringComparison.Ordinal);
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, port, TestContext.Current.CancellationToken).AsTask());
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static ValidateOptionsResult Validate(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        // As the host's AddOptions<CacheWarmerOptions>().Bind(section) does.
        var options = new CacheWarmerOptions();
        configuration.GetSection(CacheWarmerOptions.SectionName).Bind(options);
        return new CacheWarmerOptionsValidator().Validate(Options.DefaultName, options);
    }

    internal static Dictionary<string, string?> With(Dictionary<string, string?> settings, string setting, string value) =>
        new(settings, StringComparer.OrdinalIgnoreCase) { [$"{CacheWarmerOptions.SectionName}:{setting}"] = value };

    // The CacheWarmer section of the repository's appsettings.json, plus one warmup.
    internal static Dictionary<string, string?> Valid() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["CacheWarmer:Redis:Configuration"] = "127.0.0.1:6379",
        ["CacheWarmer:Redis:Database"] = "0",
        ["CacheWarmer:Redis:KeyPrefix"] = "cw:",
        ["CacheWarmer:Redis:ConfigureKeyspaceEvents"] = "true",
        ["CacheWarmer:Sources:catalog:Provider"] = "Sqlite",
        ["CacheWarmer:Sources:catalog:ConnectionString"] = "Data Source=demo/catalog.db;Mode=ReadOnly",
        ["CacheWarmer:Loaders:product:Key"] = "product:{id}",
        ["CacheWarmer:Loaders:product:Source"] = "catalog",
        ["CacheWarmer:Loaders:product:Query"] = "SELECT id, name, price FROM products WHERE id = @id",
        ["CacheWarmer:Loaders:product:Result"] = "Row",
        ["CacheWarmer:Loaders:product:Ttl"] = "00:05:00",
        ["CacheWarmer:Loaders:product:TtlJitter"] = "00:00:30",
        ["CacheWarmer:Refresh:Buffer"] = "00:00:05",
        ["CacheWarmer:Refresh:Beta"] = "1.0",
        ["CacheWarmer:Refresh:LeaseTtl"] = "00:00:30",
        ["CacheWarmer:Refresh:MaxConcurrency"] = "32",
        ["CacheWarmer:Refresh:LoadTimeout"] = "00:00:10",
        ["CacheWarmer:Refresh:FailSafe:Extension"] = "00:01:00",
        ["CacheWarmer:Refresh:FailSafe:MaxStale"] = "01:00:00",
        ["CacheWarmer:Refresh:FailSafe:RetryDelay"] = "00:00:01",
        ["CacheWarmer:Refresh:CircuitBreaker:FailureThreshold"] = "5",
        ["CacheWarmer:Refresh:CircuitBreaker:BreakDuration"] = "00:00:30",
        ["CacheWarmer:Http:Urls"] = "http://127.0.0.1:8080",
        ["CacheWarmer:Http:ApiKey"] = "",
        ["CacheWarmer:Http:MaxKeysPerRequest"] = "10000",
        ["CacheWarmer:Http:MaxConcurrentScans"] = "2",
        ["CacheWarmer:Http:MaxRequestBytes"] = "1048576",
        ["CacheWarmer:Http:WarmPin"] = "00:10:00",
        ["CacheWarmer:Http:Warm:MaxPerSecond"] = "200",
        ["CacheWarmer:Http:Warm:MaxConcurrency"] = "8",
        ["CacheWarmer:Warmups:morning-rush:Cron"] = "0 55 8 ? * MON-FRI",
        ["CacheWarmer:Warmups:morning-rush:TimeZone"] = "Europe/Berlin",
        ["CacheWarmer:Warmups:morning-rush:Loader"] = "product",
        ["CacheWarmer:Warmups:morning-rush:Keys:0"] = "product:1",
        ["CacheWarmer:Warmups:morning-rush:Ids"] = "SELECT id FROM products WHERE id <= 10",
        ["CacheWarmer:Warmups:morning-rush:Predict:Window"] = "01:00:00",
        ["CacheWarmer:Warmups:morning-rush:MaxPerSecond"] = "200",
    };
}
