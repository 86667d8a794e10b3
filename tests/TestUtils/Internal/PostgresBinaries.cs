namespace CacheWarmer.TestUtils.Internal;

/// <summary>The directory holding initdb, pg_ctl and postgres of one PostgreSQL installation.</summary>
internal static class PostgresBinaries
{
    public const string MissingMessage =
        "PostgreSQL is required for this test: install it with `apt-get install -y postgresql` (or run scripts/test.sh)";

    public static string FindDirectory()
    {
        // Debian keeps the server binaries off PATH, one directory per major version; take the newest.
        var versioned = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin"))
            : [];
        var initdb = Executables.Find("initdb", versioned.Append("/usr/local/pgsql/bin"));
        var directory = initdb is null ? null : Path.GetDirectoryName(initdb);
        if (directory is null || !File.Exists(Path.Combine(directory, "postgres")) || !File.Exists(Path.Combine(directory, "pg_ctl")))
        {
            throw new InvalidOperationException(MissingMessage);
        }

        return directory;
    }
}
