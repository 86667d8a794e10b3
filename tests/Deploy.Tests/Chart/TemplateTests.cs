using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CacheWarmer.Deploy.Tests.Chart;

/// <summary>What can be checked of the templates without rendering them: the values they read, their blocks, their includes.</summary>
public partial class TemplateTests
{
    // Values a template may read although values.yaml does not list them; each is guarded by `if`, `with` or `default`.
    private static readonly HashSet<string> OptionalValues = ["global"];

    public static TheoryData<string> Templates() => [.. Directory.GetFiles(Path.Combine(RepoFiles.Chart, "templates")).Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Templates))]
    public void A_template_reads_only_values_that_exist(string template)
    {
        var values = YamlJson.Values();
        var missing = ValuePaths(template).Where(path => !Exists(values, path) && !OptionalValues.Contains(path.Split('.')[0])).ToList();

        Assert.True(missing.Count == 0, $"{template} reads values missing from values.yaml: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_top_level_value_is_read_by_some_template()
    {
        var read = Templates().SelectMany(row => ValuePaths(row.Data)).Select(p => p.Split('.')[0]).ToHashSet();

        var unread = YamlJson.Values().Select(kv => kv.Key).Where(k => !read.Contains(k)).ToList();

        Assert.True(unread.Count == 0, $"values.yaml has settings no template reads: {string.Join(", ", unread)}");
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Blocks_are_closed_and_includes_are_defined(string template)
    {
        var text = File.ReadAllText(Path.Combine(RepoFiles.Chart, "templates", template));
        var opened = Opener().Matches(text).Count;
        var closed = End().Matches(text).Count;
        Assert.True(opened == closed, $"{template}: {opened} if/range/with/define blocks, {closed} ends");

        var defined = Define().Matches(File.ReadAllText(Path.Combine(RepoFiles.Chart, "templates", "_helpers.tpl"))).Select(m => m.Groups[1].Value).ToHashSet();
        var undefined = Include().Matches(text).Select(m => m.Groups[1].Value).Where(name => !defined.Contains(name)).ToList();
        Assert.True(undefined.Count == 0, $"{template} includes templates _helpers.tpl does not define: {string.Join(", ", undefined)}");
    }

    [Fact]
    public void The_deployment_sets_the_probes_the_security_context_and_a_writable_tmp()
    {
        var values = YamlJson.Values();
        Assert.Equal("/healthz", values["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal("/readyz", values["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal(2, values["replicaCount"]!.GetValue<long>());
        var container = values["securityContext"]!;
        Assert.True(container["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.False(container["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.Equal("ALL", container["capabilities"]!["drop"]![0]!.GetValue<string>());
        Assert.Equal("RuntimeDefault", values["podSecurityContext"]!["seccompProfile"]!["type"]!.GetValue<string>());

        var deployment = File.ReadAllText(Path.Combine(RepoFiles.Chart, "templates", "deployment.yaml"));
        Assert.Contains("mountPath: /tmp", deployment, StringComparison.Ordinal);
        Assert.Contains("mountPath: /app/appsettings.json", deployment, StringComparison.Ordinal);
        Assert.Contains("toYaml .Values.securityContext", deployment, StringComparison.Ordinal);
        Assert.Contains("toYaml .Values.podSecurityContext", deployment, StringComparison.Ordinal);
        Assert.Contains("apiVersion: monitoring.coreos.com/v1", File.ReadAllText(Path.Combine(RepoFiles.Chart, "templates", "servicemonitor.yaml")), StringComparison.Ordinal);
        Assert.False(values["serviceMonitor"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public void The_chart_is_apiVersion_v2()
    {
        var chart = YamlJson.Parse(File.ReadAllText(Path.Combine(RepoFiles.Chart, "Chart.yaml")))!;

        Assert.Equal("v2", chart["apiVersion"]!.GetValue<string>());
        Assert.Equal("cachewarmer", chart["name"]!.GetValue<string>());
    }

    private static IEnumerable<string> ValuePaths(string template) =>
        ValuesPath().Matches(File.ReadAllText(Path.Combine(RepoFiles.Chart, "templates", template))).Select(m => m.Groups[1].Value).Distinct();

    private static bool Exists(JsonObject values, string path)
    {
        JsonNode? node = values;
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject map || !map.ContainsKey(part))
            {
                return false;
            }

            node = map[part];
        }

        return true;
    }

    [GeneratedRegex(@"\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")]
    private static partial Regex ValuesPath();

    [GeneratedRegex(@"\{\{-?\s*(?:if|range|with|define)\b")]
    private static partial Regex Opener();

    [GeneratedRegex(@"\{\{-?\s*end\s*-?\}\}")]
    private static partial Regex End();

    [GeneratedRegex(@"\{\{-?\s*define\s+""([^""]+)""")]
    private static partial Regex Define();

    [GeneratedRegex(@"include\s+""([^""]+)""")]
    private static partial Regex Include();
}
