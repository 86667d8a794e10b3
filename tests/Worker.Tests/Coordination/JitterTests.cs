using CacheWarmer.Worker.Coordination;

namespace CacheWarmer.Worker.Tests.Coordination;

public sealed class JitterTests
{
    [Fact]
    public void Up_to_stays_within_zero_and_its_bound_and_spreads_over_it()
    {
        var max = TimeSpan.FromSeconds(1);
        var draws = Enumerable.Range(0, 10_000).Select(_ => Jitter.UpTo(max)).ToList();

        Assert.All(draws, d => Assert.InRange(d, TimeSpan.Zero, max));
        // Uniform: each half of the range gets about half of 10,000 draws (the odds of under 4,500 are far below 1e-20).
        Assert.InRange(draws.Count(d => d < max / 2), 4_500, 5_500);
        Assert.Equal(TimeSpan.Zero, Jitter.UpTo(TimeSpan.Zero));
        Assert.Equal(TimeSpan.Zero, Jitter.UpTo(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Around_spreads_a_wait_by_half_either_way()
    {
        var span = TimeSpan.FromSeconds(2);
        var draws = Enumerable.Range(0, 10_000).Select(_ => Jitter.Around(span)).ToList();

        Assert.All(draws, d => Assert.InRange(d, span * 0.5, span * 1.5));
        Assert.InRange(draws.Count(d => d < span), 4_500, 5_500);
    }
}
