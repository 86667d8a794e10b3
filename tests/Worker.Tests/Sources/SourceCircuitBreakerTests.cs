using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Sources;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Sources;

public class SourceCircuitBreakerTests
{
    private const int Threshold = 3;
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(10);

    // The break is jittered up to 1.5x, so only past that is a probe certain to be allowed.
    private static readonly TimeSpan LongestBreak = BreakDuration * 1.5;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Closed_breaker_lets_every_load_through()
    {
        var breaker = Breaker();

        for (var i = 0; i < 100; i++)
        {
            Assert.True(breaker.TryEnter());
            breaker.RecordSuccess();
        }

        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void Failures_below_the_threshold_keep_it_closed()
    {
        var breaker = Breaker();

        Fail(breaker, Threshold - 1);

        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Threshold_consecutive_failures_open_it()
    {
        var breaker = Breaker();

        Fail(breaker, Threshold);

        Assert.True(breaker.IsOpen);
        Assert.False(breaker.TryEnter());
    }

    [Fact]
    public void Open_breaker_refuses_loads_for_at_least_BreakDuration()
    {
        var breaker = Breaker();
        Fail(breaker, Threshold);
        var opened = _time.GetUtcNow();

        foreach (var elapsed in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(1), BreakDuration / 2, BreakDuration - TimeSpan.FromTicks(1) })
        {
            _time.SetUtcNow(opened + elapsed);
            Assert.False(breaker.TryEnter(), $"a load got through {elapsed} into a break of at least {BreakDuration}");
        }

        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void After_the_break_exactly_one_probe_goes_through()
    {
        var breaker = Breaker();
        Fail(breaker, Threshold);

        _time.Advance(LongestBreak);

        var admitted = Enumerable.Range(0, 10).Count(_ => breaker.TryEnter());
        Assert.Equal(1, admitted);
        Assert.True(breaker.IsOpen, "the breaker reads closed while its probe is still in flight");
    }

    [Fact]
    public void Concurrent_callers_after_the_break_admit_one_probe()
    {
        var breaker = Breaker();
        Fail(breaker, Threshold);
        _time.Advance(LongestBreak);

        var admitted = 0;
        Parallel.For(0, 1000, _ =>
        {
            if (breaker.TryEnter())
            {
                Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(1, admitted);
    }

    [Fact]
    public void Successful_probe_closes_it()
    {
        var breaker = Breaker();
        Fail(breaker, Threshold);
        _time.Advance(LongestBreak);
        Assert.True(breaker.TryEnter());

        breaker.RecordSuccess();

        Assert.False(breaker.IsOpen);
        Assert.All(Enumerable.Range(0, 10), _ => Assert.True(breaker.TryEnter()));
        // Closed again means the count starts over: one failure does not re-open it.
        breaker.RecordFailure();
        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public void Failed_probe_opens_it_for_another_break()
    {
        var breaker = Breaker();
        Fail(breaker, Threshold);
        _time.Advance(LongestBreak);
        Assert.True(breaker.TryEnter());

        breaker.RecordFailure();

        Assert.True(breaker.IsOpen);
        Assert.False(breaker.TryEnter());
        _time.Advance(BreakDuration - TimeSpan.FromTicks(1));
        Assert.False(breaker.TryEnter(), "a failed probe re-opened the breaker for less than BreakDuration");

        _time.Advance(LongestBreak - BreakDuration + TimeSpan.FromTicks(1));
        Assert.True(breaker.TryEnter(), "no second probe after the second break");
        Assert.False(breaker.TryEnter());
    }

    [Fact]
    public void Success_between_failures_resets_the_count()
    {
        var breaker = Breaker();

        Fail(breaker, Threshold - 1);
        breaker.RecordSuccess();
        Fail(breaker, Threshold - 1);

        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryEnter());

        breaker.RecordFailure();
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void Breakers_opened_together_do_not_all_probe_at_the_same_instant()
    {
        var breakers = Enumerable.Range(0, 200).Select(_ => Breaker()).ToArray();
        foreach (var breaker in breakers)
        {
            Fail(breaker, Threshold);
        }

        // Each break is drawn from [1x, 1.5x) BreakDuration; 200 draws all on one side of 1.25x has odds of 2^-199.
        _time.Advance(BreakDuration * 1.25);
        var early = breakers.Count(b => b.TryEnter());
        _time.Advance(LongestBreak - (BreakDuration * 1.25));
        var late = breakers.Count(b => b.TryEnter());

        Assert.InRange(early, 1, breakers.Length - 1);
        Assert.Equal(breakers.Length, early + late);
    }

    private SourceCircuitBreaker Breaker() =>
        new(new CircuitBreakerOptions { FailureThreshold = Threshold, BreakDuration = BreakDuration }, _time);

    private static void Fail(SourceCircuitBreaker breaker, int times)
    {
        for (var i = 0; i < times; i++)
        {
            breaker.RecordFailure();
        }
    }

    [Fact]
    public void After_a_break_the_breaker_reads_open_until_a_load_succeeds()
    {
        var breaker = new SourceCircuitBreaker(new CircuitBreakerOptions { FailureThreshold = Threshold, BreakDuration = BreakDuration }, _time);
        Fail(breaker, Threshold);

        _time.Advance(BreakDuration * 2);

        Assert.True(breaker.IsOpen, "the break is over but no probe has shown the source is back");
        Assert.True(breaker.TryEnter());
        Assert.True(breaker.IsOpen, "the probe is still in flight");
        breaker.RecordSuccess();
        Assert.False(breaker.IsOpen);
    }
}
