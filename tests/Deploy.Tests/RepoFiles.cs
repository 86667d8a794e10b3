namespace CacheWarmer.Deploy.Tests;

/// <summary>Files of this repository, found from the test binary's folder upwards.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "deploy", "helm", "cachewarmer");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CacheWarmer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No CacheWarmer.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
