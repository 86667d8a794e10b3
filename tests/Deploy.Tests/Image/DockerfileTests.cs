using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CacheWarmer.Deploy.Tests.Image;

/// <summary>
/// No Docker engine here: these check that the Dockerfile's build-context paths exist and are not ignored, and that
/// its entry point is what `dotnet publish` of the worker produces, by running that publish.
/// </summary>
public partial class DockerfileTests(PublishFixture publish) : IClassFixture<PublishFixture>
{
    private Dockerfile Dockerfile => publish.Dockerfile;

    [Fact]
    public void The_entry_point_runs_the_published_worker_dll_from_the_runtime_workdir()
    {
        var entrypoint = Dockerfile.Entrypoint;
        Assert.Equal(["dotnet", "CacheWarmer.Worker.dll"], entrypoint);
        Assert.True(File.Exists(Path.Combine(publish.Output, entrypoint[1])), $"{entrypoint[1]} is not in the publish output: {string.Join(", ", Directory.GetFiles(publish.Output).Select(Path.GetFileName))}");

        // COPY --from=build <publish -o> ./ under WORKDIR /app: the DLL lands where ENTRYPOINT looks.
        var copy = Assert.Single(Dockerfile.StageCopies);
        Assert.Equal(Dockerfile.PublishOutput, copy.Source);
        Assert.Equal("./", copy.Destination);
        Assert.Equal("/app", Dockerfile.Single("WORKDIR", Dockerfile.RuntimeStage));
    }

    [Fact]
    public void The_publish_output_runs_on_the_runtime_image_and_carries_the_default_configuration()
    {
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(publish.Output, "CacheWarmer.Worker.runtimeconfig.json")))!;
        var frameworks = runtimeConfig["runtimeOptions"]!["frameworks"]!.AsArray().Select(f => (Name: f!["name"]!.GetValue<string>(), Version: f["version"]!.GetValue<string>())).ToList();
        var image = ImageTag().Match(Dockerfile.RuntimeImage);
        Assert.True(image.Success, $"runtime image {Dockerfile.RuntimeImage} is not mcr.microsoft.com/dotnet/aspnet:<major>.<minor>");

        // The aspnet image carries both shared frameworks the worker needs, at the version the tag names.
        Assert.Contains(frameworks, f => f.Name == "Microsoft.AspNetCore.App");
        Assert.All(frameworks, f => Assert.StartsWith(image.Groups[1].Value + ".", f.Version, StringComparison.Ordinal));

        Assert.True(File.Exists(Path.Combine(publish.Output, "appsettings.json")), "appsettings.json (the image's default configuration) is not published");
        Assert.False(File.Exists(Path.Combine(publish.Output, "CacheWarmer.Worker")), "an apphost was published although the image runs `dotnet CacheWarmer.Worker.dll`");
        Assert.Empty(Directory.GetFiles(publish.Output, "xunit*.dll"));
        Assert.Empty(Directory.GetFiles(publish.Output, "*.db"));
    }

    [Fact]
    public void Context_paths_exist_and_are_not_excluded_by_dockerignore()
    {
        var ignored = File.ReadAllLines(RepoFiles.PathOf(".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(Glob)
            .ToList();

        var sources = Dockerfile.ContextCopies.SelectMany(c => c.Sources).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var path = RepoFiles.PathOf(source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: no such file or folder in the repository");
            Assert.DoesNotContain(ignored, glob => glob.IsMatch(source.TrimEnd('/')));
        }

        // Excluded from the context: what the image must never hold, and what would only slow the build.
        foreach (var unwanted in new[] { "tests", "bench", "demo", ".git", ".artifacts", "src/Worker/bin", "src/Worker/obj" })
        {
            Assert.Contains(ignored, glob => glob.IsMatch(unwanted));
        }
    }

    [Fact]
    public void The_runtime_stage_runs_as_the_images_app_user()
    {
        Assert.Equal("$APP_UID", Dockerfile.Single("USER", Dockerfile.RuntimeStage));
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", Dockerfile.All("FROM").First(), StringComparison.Ordinal);
        Assert.Equal(2, Dockerfile.All("FROM").Count());
    }

    // A .dockerignore line as a regular expression matching a path and everything under it.
    private static Regex Glob(string pattern)
    {
        var body = Regex.Escape(pattern.TrimEnd('/'))
            .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal);
        return new Regex($"^{body}(/.*)?$");
    }

    [GeneratedRegex(@"^mcr\.microsoft\.com/dotnet/aspnet:(\d+\.\d+)$")]
    private static partial Regex ImageTag();
}
