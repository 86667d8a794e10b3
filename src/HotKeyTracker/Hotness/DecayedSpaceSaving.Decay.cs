namespace CacheWarmer.HotKeyTracker.Hotness;

public sealed partial class DecayedSpaceSaving
{
    // 2^53: the largest count a double still holds to the unit; far below it, counters can never overflow.
    private const double MaxCount = 9_007_199_254_740_992;

    // Weights stay below 2^30 relative to the landmark, so a counter is at most 2^30 times the reads it counted (far
    // from overflow, and from losing small weights to rounding), and one pass over the table every 30 half-lives
    // costs nothing.
    private const double RenormalizeExponent = 30;

    /// <summary>The forward-decay weight of one read at <paramref name="ticks"/>, relative to the landmark.</summary>
    private double Weight(long ticks)
    {
        // Reads arrive in batches that share a time (a stream entry, a second of aggregation): one power per batch.
        if (ticks == _weightTicks)
        {
            return _weight;
        }

        var exponent = (double)(ticks - _landmarkTicks) / _halfLifeTicks;
        if (exponent > RenormalizeExponent)
        {
            Renormalize(ticks);
            exponent = 0;
        }

        _weightTicks = ticks;
        _weight = Math.Pow(2, exponent);
        return _weight;
    }

    /// <summary>Moves the landmark to <paramref name="ticks"/>, scaling every counter and error to match.</summary>
    private void Renormalize(long ticks)
    {
        // Multiplying by one positive factor keeps the heap's order; counters far older than 1,000 half-lives
        // underflow to 0, which is what they are worth.
        var factor = Math.Pow(2, -(double)(ticks - _landmarkTicks) / _halfLifeTicks);
        for (var position = 0; position < Count; position++)
        {
            _counters[position] *= factor;
            _errors[_cellAt[position]] *= factor;
        }

        _landmarkTicks = ticks;
        _weightTicks = long.MinValue;
    }

    /// <summary>Turns a counter into reads per minute at <paramref name="now"/>: decay from the landmark, times λ.</summary>
    private double RateScale(DateTimeOffset now) =>
        _lambdaPerMinute * Math.Pow(2, (double)(_landmarkTicks - now.UtcTicks) / _halfLifeTicks);

    private static double PerMinute(double counter, double scale) =>
        // A query long before the landmark can make the scale infinite; keep the answer a number.
        counter == 0 ? 0 : Math.Min(counter * scale, double.MaxValue);
}
