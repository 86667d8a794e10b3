using System.Text.Json;
using System.Text.RegularExpressions;

namespace CacheWarmer.Deploy.Tests.Image;

/// <summary>The instructions of the repository's Dockerfile that the tests check, split per stage.</summary>
public sealed partial class Dockerfile
{
    private Dockerfile(List<(string Stage, string Instruction, string Arguments)> lines) => Lines = lines;

    public List<(string Stage, string Instruction, string Arguments)> Lines { get; }

    public static Dockerfile Read()
    {
        var lines = new List<(string, string, string)>();
        var stage = "";
        var text = RepoFiles.Read("Dockerfile").Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var instruction = line[..space].ToUpperInvariant();
            var arguments = line[(space + 1)..].Trim();
            if (instruction == "FROM")
            {
                var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                stage = parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : parts[0];
            }

            lines.Add((stage, instruction, arguments));
        }

        return new Dockerfile(lines);
    }

    public IEnumerable<string> All(string instruction, string? stage = null) =>
        Lines.Where(l => l.Instruction == instruction && (stage is null || l.Stage == stage)).Select(l => l.Arguments);

    public string Single(string instruction, string? stage = null) => Assert.Single(All(instruction, stage));

    /// <summary>The stage's last FROM image, such as mcr.microsoft.com/dotnet/aspnet:10.0.</summary>
    public string RuntimeImage => All("FROM").Last().Split(' ')[0];

    public string RuntimeStage => Lines.Last().Stage;

    /// <summary>ENTRYPOINT in exec form.</summary>
    public string[] Entrypoint => JsonSerializer.Deserialize<string[]>(Single("ENTRYPOINT", RuntimeStage))!;

    /// <summary>The build stage's `dotnet publish` command line, with its output folder replaced by <paramref name="output"/>.</summary>
    public List<string> PublishArguments(string output)
    {
        var run = Assert.Single(All("RUN"), r => r.StartsWith("dotnet publish ", StringComparison.Ordinal));
        var arguments = run.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        arguments[arguments.IndexOf("-o") + 1] = output;
        return arguments;
    }

    public string PublishOutput
    {
        get
        {
            var run = Assert.Single(All("RUN"), r => r.StartsWith("dotnet publish ", StringComparison.Ordinal)).Split(' ');
            return run[Array.IndexOf(run, "-o") + 1];
        }
    }

    /// <summary>COPY instructions of the build context (not --from another stage): sources, destination.</summary>
    public IEnumerable<(string[] Sources, string Destination)> ContextCopies =>
        All("COPY").Where(c => !c.StartsWith("--from", StringComparison.Ordinal)).Select(c =>
        {
            var parts = c.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (parts[..^1], parts[^1]);
        });

    /// <summary>COPY --from=stage source destination.</summary>
    public IEnumerable<(string Stage, string Source, string Destination)> StageCopies =>
        All("COPY").Select(c => FromStage().Match(c)).Where(m => m.Success).Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value));

    [GeneratedRegex(@"^--from=(\S+)\s+(\S+)\s+(\S+)$")]
    private static partial Regex FromStage();
}
