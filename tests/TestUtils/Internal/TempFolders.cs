using System.Globalization;

namespace CacheWarmer.TestUtils.Internal;

/// <summary>
/// Temp folders of servers, each marked with the test host's pid. The servers die with the host, but a host killed
/// outright cannot delete its folders (a PostgreSQL one is ~40 MB), so the next host sweeps those whose owner is gone.
/// </summary>
internal static class TempFolders
{
    private const string OwnerFile = "owner.pid";

    public static DirectoryInfo Create(string prefix)
    {
        Sweep(prefix);
        var directory = Directory.CreateTempSubdirectory(prefix);
        File.WriteAllText(Path.Combine(directory.FullName, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return directory;
    }

    public static void Delete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover is swept by the next run.
        }
    }

    private static void Sweep(string prefix)
    {
        foreach (var path in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*"))
        {
            try
            {
                var owner = File.ReadAllText(Path.Combine(path, OwnerFile)).Trim();
                if (!Directory.Exists(Path.Combine("/proc", owner)))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not ours to judge (no owner file yet, or another user's).
            }
        }
    }
}
