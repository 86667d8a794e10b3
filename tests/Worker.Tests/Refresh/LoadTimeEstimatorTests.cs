using CacheWarmer.Worker.Refresh;

namespace CacheWarmer.Worker.Tests.Refresh;

public class LoadTimeEstimatorTests
{
    [Fact]
    public void Loader_never_measured_gets_the_initial_estimate()
    {
        var estimator = new LoadTimeEstimator();

        Assert.Equal(LoadTimeEstimator.Initial, estimator.Estimate("product"));
        Assert.True(LoadTimeEstimator.Initial > TimeSpan.Zero, "a zero initial delta would not spread the first refreshes");
    }

    [Fact]
    public void First_measurement_replaces_the_initial_guess()
    {
        var estimator = new LoadTimeEstimator();

        estimator.Record("product", TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(3), estimator.Estimate("product"));
    }

    [Fact]
    public void Later_measurement_moves_the_estimate_part_of_the_way()
    {
        var estimator = new LoadTimeEstimator();
        estimator.Record("product", TimeSpan.FromMilliseconds(100));

        estimator.Record("product", TimeSpan.FromSeconds(10));

        // A moving average, not the last sample: one slow load must not make every key fire far ahead.
        var estimate = estimator.Estimate("product");
        Assert.True(estimate > TimeSpan.FromMilliseconds(100), $"estimate {estimate} did not move toward the new measurement");
        Assert.True(estimate < TimeSpan.FromSeconds(5), $"estimate {estimate} jumped most of the way to one outlier");
    }

    [Fact]
    public void Estimate_converges_to_a_steady_load_time()
    {
        var estimator = new LoadTimeEstimator();
        estimator.Record("product", TimeSpan.FromMilliseconds(100));
        var previous = estimator.Estimate("product");

        for (var i = 0; i < 50; i++)
        {
            estimator.Record("product", TimeSpan.FromSeconds(1));
            var estimate = estimator.Estimate("product");
            Assert.True(estimate >= previous, $"after {i + 1} loads of 1 s the estimate fell from {previous} to {estimate}");
            Assert.True(estimate <= TimeSpan.FromSeconds(1), $"estimate {estimate} overshot the steady 1 s");
            previous = estimate;
        }

        Assert.InRange(previous, TimeSpan.FromMilliseconds(990), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Estimate_follows_load_times_down_as_well_as_up()
    {
        var estimator = new LoadTimeEstimator();
        estimator.Record("product", TimeSpan.FromSeconds(5));

        for (var i = 0; i < 60; i++)
        {
            estimator.Record("product", TimeSpan.FromMilliseconds(50));
        }

        Assert.InRange(estimator.Estimate("product"), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(55));
    }

    [Fact]
    public void Each_loader_has_its_own_estimate()
    {
        var estimator = new LoadTimeEstimator();

        estimator.Record("slow", TimeSpan.FromSeconds(4));
        estimator.Record("fast", TimeSpan.FromMilliseconds(20));
        estimator.Record("slow", TimeSpan.FromSeconds(4));

        Assert.Equal(TimeSpan.FromSeconds(4), estimator.Estimate("slow"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), estimator.Estimate("fast"));
        Assert.Equal(LoadTimeEstimator.Initial, estimator.Estimate("untouched"));
    }
}
