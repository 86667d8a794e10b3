using System.Globalization;
using StackExchange.Redis;

namespace CacheWarmer.Contracts.Sampling;

/// <summary>
/// The access-sample wire format, which apps in any language may produce: a stream <c>{prefix}samples</c> whose
/// entries are written as <c>XADD {prefix}samples MAXLEN ~ 1000000 * key count [key count ...]</c>, each field a cache
/// key and each value the estimated reads of that key (positive integer, decimal text) in about one second.
/// </summary>
public static class AccessSamples
{
    /// <summary>The default prefix of worker-owned keys, the same as <see cref="Keys.WorkerKeys.DefaultPrefix"/>.</summary>
    public const string DefaultPrefix = Keys.WorkerKeys.DefaultPrefix;

    /// <summary>
    /// The largest count one field may carry: a billion reads of one key in about a second is beyond any real cache,
    /// so a larger count is a bug in its sender and is skipped rather than let swamp every other key.
    /// </summary>
    public const long MaxCount = 1_000_000_000;

    /// <summary>The approximate length (<c>MAXLEN ~</c>) every writer trims the stream to.</summary>
    public const int MaxLength = 1_000_000;

    /// <summary>The name of the sample stream: <c>{prefix}samples</c>.</summary>
    public static string StreamKey(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return prefix + "samples";
    }

    /// <summary>
    /// The well-formed samples of <paramref name="entry"/>, in order. Fields with an empty key or with a count that is
    /// not a positive decimal integer up to <see cref="MaxCount"/> are skipped, never thrown on: the stream is written by apps the reader does not
    /// control.
    /// </summary>
    public static IReadOnlyList<AccessSample> Parse(StreamEntry entry) => Parse(entry, out _);

    /// <summary>
    /// The well-formed samples of <paramref name="entry"/>, in order, and how many fields were
    /// <paramref name="rejected"/> (an empty key, or a count that is not a positive decimal integer).
    /// </summary>
    public static IReadOnlyList<AccessSample> Parse(StreamEntry entry, out int rejected)
    {
        rejected = 0;
        var values = entry.Values;
        if (values is null || values.Length == 0)
        {
            return [];
        }

        var samples = new List<AccessSample>(values.Length);
        foreach (var field in values)
        {
            if (TryParse(field, out var sample))
            {
                samples.Add(sample);
            }
            else
            {
                rejected++;
            }
        }

        return samples;
    }

    /// <summary>
    /// When Redis added the entry: the milliseconds part of its ID (<c>1700000000000-0</c>); null when the ID does not
    /// have that form (an ID chosen by its writer rather than <c>*</c>).
    /// </summary>
    public static DateTimeOffset? AddedAt(RedisValue id)
    {
        var text = (string?)id;
        var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        return dash > 0 && long.TryParse(text!.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }

    private static bool TryParse(NameValueEntry field, out AccessSample sample)
    {
        sample = default;
        var key = (string?)field.Name;
        var text = (string?)field.Value;

        // NumberStyles.None: digits only, so "-3", "+3", " 3" and "3.0" are all rejected rather than reinterpreted.
        if (string.IsNullOrEmpty(key)
            || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count <= 0
            || count > MaxCount)
        {
            return false;
        }

        sample = new AccessSample(key, count);
        return true;
    }
}
