using System.Data;
using System.Text;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace CacheWarmer.Worker.Sources;

/// <summary>
/// A batch's key texts as one PostgreSQL array parameter, sent as an untyped array literal (<c>{"1","2"}</c>, each
/// element quoted and escaped), so the server reads it as an array of whatever the compared column is:
/// <c>WHERE id = ANY(@ids)</c> works for an integer id, as <see cref="KeyParameter"/> does for one key.
/// </summary>
internal sealed class KeyArrayParameter(IReadOnlyList<string> values) : SqlMapper.ICustomQueryParameter
{
    public void AddParameter(IDbCommand command, string name)
    {
        var parameter = (NpgsqlParameter)command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = Literal(values);
        parameter.NpgsqlDbType = NpgsqlDbType.Unknown;
        command.Parameters.Add(parameter);
    }

    internal static string Literal(IReadOnlyList<string> values)
    {
        var text = new StringBuilder("{");
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append('"').Append(values[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return text.Append('}').ToString();
    }
}
