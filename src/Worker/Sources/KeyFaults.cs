using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace CacheWarmer.Worker.Sources;

/// <summary>
/// Tells a database error that belongs to one key (its id does not fit the column's type, a cast or a constraint
/// fails for that value) from one that belongs to the source (down, timing out, a broken query). A key's own error
/// proves the database answered, so it must not count toward the source's circuit breaker: five bad ids would
/// otherwise open it and stop every healthy key's refresh.
/// </summary>
internal static class KeyFaults
{
    // SQLite result codes: a constraint failed, or a value did not fit its column's type.
    private const int SqliteConstraint = 19;
    private const int SqliteMismatch = 20;

    /// <summary>The error's description when it belongs to the key alone; null when it belongs to the source.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        // Class 22: data exception (22P02 invalid text representation, 22003 out of range, 22007 bad datetime...);
        // class 23: integrity constraint violation.
        PostgresException pg when pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal)
            => $"PostgreSQL {pg.SqlState}: {pg.MessageText}",
        MySqlException mysql when IsKeyError(mysql.ErrorCode)
            => $"MySQL error {(int)mysql.ErrorCode}: {mysql.Message}",
        SqliteException sqlite when sqlite.SqliteErrorCode is SqliteConstraint or SqliteMismatch
            => $"SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message}",
        _ => null,
    };

    // A value that does not fit its column or its cast (strict mode), or a violated constraint.
    private static bool IsKeyError(MySqlErrorCode code) => code is
        MySqlErrorCode.TruncatedWrongValue or MySqlErrorCode.TruncatedWrongValueForField or MySqlErrorCode.WarningDataOutOfRange
        or MySqlErrorCode.DataTooLong or MySqlErrorCode.DuplicateKeyEntry or MySqlErrorCode.NoReferencedRow2 or MySqlErrorCode.RowIsReferenced2;
}
