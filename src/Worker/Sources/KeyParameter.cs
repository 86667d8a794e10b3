using System.Data;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CacheWarmer.Worker.Sources;

/// <summary>
/// A key parameter's text, bound as a parameter (never spliced into SQL). PostgreSQL gets it untyped, so the server
/// reads <c>'42'</c> as whatever the compared column is (<c>WHERE id = @id</c> works for an integer id, as SQLite's
/// type affinity does); other providers get plain text.
/// </summary>
internal sealed class KeyParameter(string value) : SqlMapper.ICustomQueryParameter
{
    public void AddParameter(IDbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        if (parameter is NpgsqlParameter npgsql)
        {
            npgsql.NpgsqlDbType = NpgsqlDbType.Unknown;
        }
        else
        {
            parameter.DbType = DbType.String;
        }

        command.Parameters.Add(parameter);
    }
}
