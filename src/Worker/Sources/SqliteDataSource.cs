using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace CacheWarmer.Worker.Sources;

/// <summary>Microsoft.Data.Sqlite ships no DbDataSource; this is the minimal one (it pools connections itself).</summary>
internal sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(ConnectionString);
}
