namespace CacheWarmer.DemoApp.Traffic;

/// <summary>
/// Picks ids 1..n with probability proportional to 1/rank, the skew of real catalogs: id 1 is read about n/H(n)
/// times as often as id n, yet every id is still read many times per TTL, so each one is a hot key.
/// </summary>
internal sealed class ZipfKeyChooser
{
    private readonly double[] _cumulative;

    public ZipfKeyChooser(int count)
    {
        _cumulative = new double[count];
        var sum = 0.0;
        for (var rank = 1; rank <= count; rank++)
        {
            sum += 1.0 / rank;
            _cumulative[rank - 1] = sum;
        }
    }

    public int Next()
    {
        var target = Random.Shared.NextDouble() * _cumulative[^1];
        var index = Array.BinarySearch(_cumulative, target);
        return (index >= 0 ? index : ~index) + 1;
    }
}
