using CacheWarmer.Contracts.Keys;
using Quartz;

namespace CacheWarmer.Worker.Configuration;

internal sealed partial class CacheWarmerOptionsValidator
{
    private static void ValidateWarmup(string name, WarmupOptions warmup, CacheWarmerOptions options, List<string> failures)
    {
        var section = $"{Root}:Warmups:{name}";

        // The name is part of Redis keys and their cluster hash tag.
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            failures.Add($"{section} has a name with characters other than letters, digits, '-', '_' and '.': rename it, such as \"morning-rush\" (the name becomes part of Redis keys).");
        }

        if (string.IsNullOrWhiteSpace(warmup.Cron))
        {
            failures.Add($"{section}:Cron is empty: write a Quartz cron expression (seconds first), such as \"0 55 8 ? * MON-FRI\" for 08:55 on weekdays.");
        }
        else if (!CronExpression.TryParse(warmup.Cron, CronFormat.Quartz, out _))
        {
            failures.Add($"{section}:Cron \"{warmup.Cron}\" is not a valid Quartz cron expression: write six or seven fields, seconds first, with '?' in day-of-month or day-of-week, such as \"0 55 8 ? * MON-FRI\" (08:55 on weekdays).");
        }

        if (!WarmupTimeZones.TryFind(warmup.TimeZone, out _))
        {
            failures.Add($"{section}:TimeZone \"{warmup.TimeZone}\" is not a time zone this system knows: use an IANA id such as \"Europe/Berlin\" or \"America/New_York\", or \"UTC\" (the default).");
        }

        KeyPattern? pattern = null;
        if (string.IsNullOrWhiteSpace(warmup.Loader))
        {
            failures.Add($"{section}:Loader is empty: name the loader whose keys are warmed, one of {Known(options.Loaders.Keys)}.");
        }
        else if (!options.Loaders.TryGetValue(warmup.Loader, out var loader))
        {
            failures.Add($"{section}:Loader \"{warmup.Loader}\" is not a configured loader: use one of {Known(options.Loaders.Keys)}, or add it under {Root}:Loaders.");
        }
        else
        {
            KeyPattern.TryParse(loader.Key, out pattern, out _);
        }

        if (pattern is not null)
        {
            for (var i = 0; i < warmup.Keys.Count; i++)
            {
                var key = warmup.Keys[i];
                if (string.IsNullOrEmpty(key) || !pattern.TryMatch(key, out _))
                {
                    failures.Add($"{section}:Keys:{i} \"{key}\" does not match the Key pattern \"{pattern.Text}\" of loader \"{warmup.Loader}\": list keys of that loader only, or give this key its own warmup.");
                }
            }

            if (!string.IsNullOrWhiteSpace(warmup.Ids) && pattern.Parameters.Count != 1)
            {
                failures.Add($"{section}:Ids needs a loader with exactly one key parameter, and \"{pattern.Text}\" has {pattern.Parameters.Count}: list the keys under Keys instead.");
            }
        }

        if (warmup.Keys.Count == 0 && string.IsNullOrWhiteSpace(warmup.Ids) && warmup.Predict is null)
        {
            failures.Add($"{section} has nothing to warm: set Keys (a list of keys), Ids (a query returning ids, such as \"SELECT id FROM products WHERE featured = 1\") or Predict (such as {{ \"Window\": \"01:00:00\", \"Top\": 1000 }}).");
        }

        if (warmup.Predict is { } predict)
        {
            if (predict.Window <= TimeSpan.Zero || predict.Window > TimeSpan.FromDays(1))
            {
                failures.Add($"{section}:Predict:Window is {predict.Window}: use a positive duration of at most one day, such as \"01:00:00\".");
            }

            if (predict.Top is < 1 or > 100_000)
            {
                failures.Add($"{section}:Predict:Top is {predict.Top}: use a number of keys from 1 to 100000, such as 1000.");
            }

            if (predict.Lead < TimeSpan.Zero || predict.Lead > TimeSpan.FromDays(1))
            {
                failures.Add($"{section}:Predict:Lead is {predict.Lead}: use a duration from \"00:00:00\" to one day, such as \"00:05:00\" for a spike five minutes after the firing.");
            }
        }

        if (!(warmup.MaxPerSecond > 0 && warmup.MaxPerSecond <= 100_000))
        {
            failures.Add($"{section}:MaxPerSecond is {warmup.MaxPerSecond}: use a number of keys per second above 0 and at most 100000, such as 200.");
        }

        if (warmup.MaxConcurrency is < 1 or > 1024)
        {
            failures.Add($"{section}:MaxConcurrency is {warmup.MaxConcurrency}: use a number from 1 to 1024, such as 8.");
        }

        if (warmup.Pin is { } pin && (pin <= TimeSpan.Zero || pin > TimeSpan.FromDays(7)))
        {
            failures.Add($"{section}:Pin is {pin}: use a positive duration of at most 7 days, such as \"01:00:00\", or leave it out (the Predict window, else one hour).");
        }
    }
}
