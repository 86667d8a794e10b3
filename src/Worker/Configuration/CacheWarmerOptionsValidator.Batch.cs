using System.Text.RegularExpressions;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.Contracts.Values;

namespace CacheWarmer.Worker.Configuration;

/// <summary>The checks of batched loads: <c>Loaders:{name}:BatchQuery</c>, <c>Refresh:MaxBatchSize</c> and <c>Refresh:BatchWindow</c>.</summary>
internal sealed partial class CacheWarmerOptionsValidator
{
    private static void ValidateBatchSettings(RefreshOptions refresh, List<string> failures)
    {
        const string Section = Root + ":Refresh";
        if (refresh.MaxBatchSize is < 1 or > RefreshOptions.MaxBatchSizeLimit)
        {
            failures.Add($"{Section}:MaxBatchSize is {refresh.MaxBatchSize}: use a number of keys from 1 (every key loaded on its own) to {RefreshOptions.MaxBatchSizeLimit}, such as 128.");
        }

        if (refresh.BatchWindow < TimeSpan.Zero || refresh.BatchWindow > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Section}:BatchWindow is {refresh.BatchWindow}: use 00:00:00 to 00:00:01, such as 00:00:00.050 (how far ahead of its plan a key may join a due batch).");
        }
    }

    private static void ValidateBatchQuery(string section, LoaderOptions loader, KeyPattern? pattern, CacheWarmerOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(loader.BatchQuery) || pattern is null)
        {
            return;
        }

        if (pattern.Parameters.Count != 1)
        {
            failures.Add($"{section}:BatchQuery is set, and Key \"{loader.Key}\" has {pattern.Parameters.Count} parameters ({string.Join(", ", pattern.Parameters)}): a batch matches its rows to keys by one column, so batch only patterns with one parameter; remove BatchQuery (each key then loads with Query).");
            return;
        }

        var single = pattern.Parameters[0];
        var plural = LoaderOptions.BatchParameterOf(single);
        if (!Regex.IsMatch(loader.BatchQuery, $@"[@:]{Regex.Escape(plural)}\b", RegexOptions.CultureInvariant))
        {
            failures.Add($"{section}:BatchQuery does not use @{plural}, the list of the keys' {single} values: filter by it, such as \"WHERE {single} = ANY(@{plural})\" on PostgreSQL or \"WHERE {single} IN @{plural}\" elsewhere.");
        }

        if (Regex.IsMatch(loader.BatchQuery, $@"[@:]{Regex.Escape(single)}\b", RegexOptions.CultureInvariant))
        {
            failures.Add($"{section}:BatchQuery uses @{single}, which a batch does not bind: it binds @{plural}, the list of the keys' {single} values.");
        }

        if (EnumSetting.TryParse<CacheValueShape>(loader.Result, out var shape) && shape == CacheValueShape.Scalar)
        {
            failures.Add($"{section}:BatchQuery is set, and Result is Scalar: a batch's rows carry the key's column to match them, which a raw first column cannot: use Result Row or Rows, or remove BatchQuery.");
        }

        var provider = options.Sources.TryGetValue(loader.Source, out var source) && EnumSetting.TryParse(source.Provider, out SourceProvider p) ? p : (SourceProvider?)null;
        var inList = Regex.IsMatch(loader.BatchQuery, $@"\bIN\s*\(?\s*[@:]{Regex.Escape(plural)}\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
        if (provider == SourceProvider.Postgres && inList)
        {
            failures.Add($"{section}:BatchQuery uses \"IN @{plural}\", and source \"{loader.Source}\" is PostgreSQL, which takes the list as one array parameter: write \"WHERE {single} = ANY(@{plural})\".");
        }
        else if (provider is SourceProvider.Sqlite or SourceProvider.MySql
            && !Regex.IsMatch(loader.BatchQuery, $@"\bIN\s+[@:]{Regex.Escape(plural)}\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase))
        {
            failures.Add($"{section}:BatchQuery must filter with \"IN @{plural}\" (no parentheses) on source \"{loader.Source}\" ({provider}): Dapper expands the list into (@{plural}1, @{plural}2, ...); write \"WHERE {single} IN @{plural}\".");
        }
    }
}
