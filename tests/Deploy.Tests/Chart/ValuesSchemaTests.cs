using System.Text.Json.Nodes;
using NJsonSchema;

namespace CacheWarmer.Deploy.Tests.Chart;

/// <summary>values.schema.json is what makes Helm refuse bad values at install; these check it with a JSON Schema validator.</summary>
public class ValuesSchemaTests
{
    [Fact]
    public async Task The_schema_is_draft_07_and_the_chart_values_pass_it()
    {
        var schemaText = File.ReadAllText(Path.Combine(RepoFiles.Chart, "values.schema.json"));
        Assert.Equal("http://json-schema.org/draft-07/schema#", JsonNode.Parse(schemaText)!["$schema"]!.GetValue<string>());

        var errors = await ValidateAsync(YamlJson.Values());

        Assert.Empty(errors);
    }

    public static TheoryData<string, string?, string> BadValues => new()
    {
        // path in values.yaml, a JSON value to put there (null: remove it), what the schema must name
        { "replicaCount", "\"two\"", "replicaCount" },
        { "replicaCount", "-1", "replicaCount" },
        { "image.repository", null, "repository" },
        { "image.pullPolicy", "\"Sometimes\"", "pullPolicy" },
        { "securityContext.readOnlyRootFilesystem", "\"yes\"", "readOnlyRootFilesystem" },
        { "securityContext.allowPrivilegeEscalation", "1", "allowPrivilegeEscalation" },
        { "podSecurityContext.runAsNonRoot", "false", "runAsNonRoot" },
        { "podSecurityContext.runAsUser", "\"app\"", "runAsUser" },
        { "containerPort", "70000", "containerPort" },
        { "replicas", "3", "replicas" },
        { "config.Refesh", "{}", "Refesh" },
        { "config.Refresh.LoadTimeout", "\"10s\"", "LoadTimeout" },
        { "config.Refresh.MaxConcurrency", "\"many\"", "MaxConcurrency" },
        { "config.Loaders.product.Result", "\"Json\"", "Result" },
        { "config.Loaders.product.Query", null, "Query" },
        { "config.Sources.catalog.Provider", "\"Oracle\"", "Provider" },
        { "config.Loaders.product.Format", "\"Json\"", "Format" },
        { "config.Refresh.MaxValueBytes", "0", "MaxValueBytes" },
        { "config.Warmups", "{ \"rush\": { \"Loader\": \"product\" } }", "Cron" },
        { "config.Warmups", "{ \"rush\": { \"Cron\": \"0 0 8 * * ?\", \"Loader\": \"product\", \"Pin\": \"1h\" } }", "Pin" },
        { "config.Redis.KeyPrefix", "\"cw:{x}\"", "KeyPrefix" },
        { "secrets.apiKey", "\"short\"", "apiKey" },
        { "terminationGracePeriodSeconds", "\"45s\"", "terminationGracePeriodSeconds" },
        { "topologySpread.whenUnsatisfiable", "\"Never\"", "whenUnsatisfiable" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task Bad_values_are_rejected_naming_the_setting(string path, string? json, string named)
    {
        var values = YamlJson.Values();
        Set(values, path, json is null ? null : JsonNode.Parse(json));

        var errors = await ValidateAsync(values);

        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_cache_library_formats_MySQL_and_scheduled_warmups_can_be_configured_through_the_chart()
    {
        var values = YamlJson.Values();
        Set(values, "config.Sources.catalog.Provider", JsonValue.Create("MySql"));
        Set(values, "config.Loaders.product.Format", JsonValue.Create("FusionCache"));
        Set(values, "config.Loaders.product.InstanceName", JsonValue.Create("shop:"));
        Set(values, "config.Loaders.product.CacheName", JsonValue.Create("shop"));
        Set(values, "config.Refresh.MaxValueBytes", JsonValue.Create(1048576));
        Set(values, "config.Redis.BeaconInterval", JsonValue.Create("00:00:01"));
        Set(values, "config.HotKeys.LfuMaxKeys", JsonValue.Create(50000));
        Set(values, "config.Warmups", JsonNode.Parse("""
            { "morning": { "Cron": "0 55 7 * * ?", "TimeZone": "Europe/Paris", "Loader": "product",
                           "Predict": { "Window": "01:00:00", "Top": 500, "Lead": "00:05:00" },
                           "MaxPerSecond": 100, "MaxConcurrency": 4, "Pin": "01:30:00" } }
            """));

        Assert.Empty(await ValidateAsync(values));
    }

    [Fact]
    public async Task A_parent_charts_global_values_are_allowed()
    {
        var values = YamlJson.Values();
        values["global"] = new JsonObject { ["imageRegistry"] = "registry.example" };

        Assert.Empty(await ValidateAsync(values));
    }

    private static async Task<List<string>> ValidateAsync(JsonObject values)
    {
        var schema = await JsonSchema.FromJsonAsync(File.ReadAllText(Path.Combine(RepoFiles.Chart, "values.schema.json")), TestContext.Current.CancellationToken);
        return [.. Flatten(schema.Validate(values.ToJsonString()))];
    }

    private static IEnumerable<string> Flatten(IEnumerable<NJsonSchema.Validation.ValidationError> errors)
    {
        foreach (var error in errors)
        {
            yield return $"{error.Path} {error.Property}: {error.Kind}";
            if (error is NJsonSchema.Validation.ChildSchemaValidationError child)
            {
                foreach (var nested in Flatten(child.Errors.SelectMany(e => e.Value)))
                {
                    yield return nested;
                }
            }
        }
    }

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var parent = root;
        foreach (var part in parts[..^1])
        {
            parent = parent[part] as JsonObject ?? throw new InvalidOperationException($"{path}: no mapping {part} in values.yaml");
        }

        if (value is null)
        {
            Assert.True(parent.Remove(parts[^1]), $"{path} is not in values.yaml");
        }
        else
        {
            parent[parts[^1]] = value;
        }
    }
}
