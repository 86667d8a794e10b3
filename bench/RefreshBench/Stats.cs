namespace CacheWarmer.RefreshBench;

internal static class Stats
{
    /// <summary>Nearest-rank percentile of sorted values; NaN when there are none.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static double Min(double[] sorted) => sorted.Length == 0 ? double.NaN : sorted[0];

    public static double Max(double[] sorted) => sorted.Length == 0 ? double.NaN : sorted[^1];
}
