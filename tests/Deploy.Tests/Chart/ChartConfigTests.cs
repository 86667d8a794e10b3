using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Deploy.Tests.Chart;

/// <summary>
/// A pod's configuration is the ConfigMap's appsettings.json (values.yaml `config` and `logging`) plus the
/// environment variables of templates/deployment.yaml. These bind it the way the worker does and run the worker's own
/// start-up validation (AddCacheWarmer, ValidateOnStart), so a chart whose defaults the worker would refuse fails here.
/// </summary>
public partial class ChartConfigTests
{
    // What the chart's Secret supplies at run time, by environment variable; a new CacheWarmer__ variable in the
    // template must get a stand-in here too.
    private const string ApiKeyStandIn = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void The_config_block_with_the_deployments_environment_passes_the_workers_validation()
    {
        var options = Resolve(Appsettings(), DeploymentEnvironment());

        Assert.Equal("http://0.0.0.0:8080", options.Http.Urls);
        Assert.Equal(ApiKeyStandIn, options.Http.ApiKey);
        Assert.Equal("Postgres", options.Sources["catalog"].Provider);
        Assert.StartsWith("Host=", options.Sources["catalog"].ConnectionString, StringComparison.Ordinal);
        Assert.Equal("product:{id}", options.Loaders["product"].Key);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Refresh.LoadTimeout);
    }

    [Fact]
    public void Every_CacheWarmer_variable_of_the_deployment_has_a_stand_in()
    {
        var inTemplate = EnvNames().Where(n => n.StartsWith("CacheWarmer__", StringComparison.Ordinal)).ToHashSet();

        Assert.Equal(
            ["CacheWarmer__Http__ApiKey", "CacheWarmer__Http__Urls", "CacheWarmer__Redis__Configuration", "CacheWarmer__Sources__{{ $source }}__ConnectionString"],
            inTemplate.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Without_the_api_key_the_worker_refuses_the_pods_listen_address()
    {
        var environment = DeploymentEnvironment();
        environment.Remove("CacheWarmer__Http__ApiKey");

        var error = Assert.Throws<OptionsValidationException>(() => Resolve(Appsettings(), environment));

        Assert.Contains("CacheWarmer:Http:ApiKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_sources_secret_the_worker_names_the_empty_connection_string()
    {
        var environment = DeploymentEnvironment();
        environment.Remove("CacheWarmer__Sources__catalog__ConnectionString");

        var error = Assert.Throws<OptionsValidationException>(() => Resolve(Appsettings(), environment));

        Assert.Contains("CacheWarmer:Sources:catalog:ConnectionString is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_grace_period_outlasts_the_longest_load_and_the_host_waits_for_it()
    {
        var values = YamlJson.Values();
        var grace = TimeSpan.FromSeconds(values["terminationGracePeriodSeconds"]!.GetValue<long>());
        var options = Resolve(Appsettings(), DeploymentEnvironment());

        // The drain after SIGTERM: running loads (each bounded by LoadTimeout) finish, then leases are released.
        Assert.True(grace >= options.Refresh.LoadTimeout + TimeSpan.FromSeconds(15), $"terminationGracePeriodSeconds {grace.TotalSeconds} is not above LoadTimeout {options.Refresh.LoadTimeout} + 15 s");

        // The host gives up on stopping services after HostOptions.ShutdownTimeout (30 s by default); the chart raises
        // it with DOTNET_SHUTDOWNTIMEOUTSECONDS, whose key (after the DOTNET_ prefix) is shutdownTimeoutSeconds.
        Assert.Contains("DOTNET_SHUTDOWNTIMEOUTSECONDS", EnvNames());
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create("shutdownTimeoutSeconds", (string?)(grace.TotalSeconds - 5).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        using var host = builder.Build();
        Assert.Equal(grace - TimeSpan.FromSeconds(5), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    internal static CacheWarmerOptions Resolve(string appsettings, Dictionary<string, string> environment)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(appsettings)));
        // What AddEnvironmentVariables does with the pod's variables: "__" separates sections.
        builder.Configuration.AddInMemoryCollection(environment.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)));
        builder.AddCacheWarmer();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<CacheWarmerOptions>>().Value;
    }

    /// <summary>The ConfigMap's appsettings.json, as templates/_helpers.tpl "cachewarmer.appsettings" composes it.</summary>
    internal static string Appsettings()
    {
        var values = YamlJson.Values();
        return new JsonObject
        {
            ["Serilog"] = values["logging"]!.DeepClone(),
            ["CacheWarmer"] = values["config"]!.DeepClone(),
        }.ToJsonString();
    }

    /// <summary>The deployment's environment, with the Secret's values replaced by stand-ins.</summary>
    internal static Dictionary<string, string> DeploymentEnvironment()
    {
        var values = YamlJson.Values();
        var template = File.ReadAllText(Path.Combine(RepoFiles.Chart, "templates", "deployment.yaml"));
        var urls = UrlsValue().Match(template);
        Assert.True(urls.Success, "deployment.yaml sets no CacheWarmer__Http__Urls value");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CacheWarmer__Http__Urls"] = urls.Groups[1].Value.Replace("{{ .Values.containerPort }}", values["containerPort"]!.ToJsonString(), StringComparison.Ordinal),
            ["CacheWarmer__Http__ApiKey"] = ApiKeyStandIn,
            ["CacheWarmer__Redis__Configuration"] = "redis:6379,password=stand-in",
        };
        foreach (var (source, _) in values["config"]!["Sources"]!.AsObject())
        {
            environment[$"CacheWarmer__Sources__{source}__ConnectionString"] = "Host=db;Username=cachewarmer;Password=stand-in;Database=catalog";
        }

        return environment;
    }

    private static List<string> EnvNames() =>
        [.. EnvName().Matches(File.ReadAllText(Path.Combine(RepoFiles.Chart, "templates", "deployment.yaml"))).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"- name: (\S+(?: \$\w+ \}\})?\S*)\s*$", RegexOptions.Multiline)]
    private static partial Regex EnvName();

    [GeneratedRegex(@"name: CacheWarmer__Http__Urls\s+value: ""([^""]+)""")]
    private static partial Regex UrlsValue();
}
