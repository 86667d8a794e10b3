namespace CacheWarmer.TestUtils.Internal;

internal static class Executables
{
    /// <summary>The full path of <paramref name="name"/> on PATH, else in the first of <paramref name="fallbacks"/> that has it.</summary>
    public static string? Find(string name, params IEnumerable<string> fallbacks)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(fallbacks))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static bool IsRoot => Environment.IsPrivilegedProcess;
}
