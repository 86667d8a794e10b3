namespace CacheWarmer.TestUtils;

/// <summary>
/// A seeded stream of keys <c>{prefix}{rank}</c> whose ranks 1..n follow Zipf(s): rank r is drawn with probability
/// proportional to r^-s. Ranks come from the inverse CDF (a table and a binary search); each key string is created
/// the first time its rank is drawn and reused after that, as a sketch's caller would reuse parsed keys.
/// </summary>
public sealed class ZipfKeys
{
    private readonly double[] _cumulative;
    private readonly string?[] _keys;
    private readonly string _prefix;
    private readonly Random _random;

    /// <summary>Builds the CDF table of <paramref name="distinct"/> ranks.</summary>
    public ZipfKeys(int distinct, double exponent, int seed, string prefix = "product:")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(distinct, 1);
        _cumulative = new double[distinct];
        _keys = new string?[distinct];
        _prefix = prefix;
        _random = new Random(seed);
        var sum = 0.0;
        for (var rank = 1; rank <= distinct; rank++)
        {
            sum += Math.Pow(rank, -exponent);
            _cumulative[rank - 1] = sum;
        }
    }

    /// <summary>How many ranks there are.</summary>
    public int Distinct => _cumulative.Length;

    /// <summary>The next rank, 1 (the most frequent) to <see cref="Distinct"/>.</summary>
    public int NextRank()
    {
        var target = _random.NextDouble() * _cumulative[^1];
        var index = Array.BinarySearch(_cumulative, target);
        return (index >= 0 ? index : ~index) + 1;
    }

    /// <summary>The key of <paramref name="rank"/>, the same string instance every time.</summary>
    public string Key(int rank) => _keys[rank - 1] ??= _prefix + rank.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The next key of the stream.</summary>
    public string Next() => Key(NextRank());
}
