using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Refresh;

public class RefreshPlannerTests
{
    private const int Draws = 200_000;

    // -ln U for U uniform in (0, 1] is Exp(1): mean 1, variance 1, fourth central moment 9. So over n draws the mean
    // lead has standard error delta*beta/sqrt(n), and the sample variance of the lead has standard error
    // (delta*beta)^2 * sqrt((9 - 1)/n). Five standard errors make a false failure about a one-in-a-million event.
    private const double StandardErrors = 5;

    private static readonly DateTimeOffset Now = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Buffer = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(2);

    [Fact]
    public void Draw_of_one_fires_exactly_Buffer_before_expiry()
    {
        var expiresAt = Now.AddMinutes(5);

        var fireAt = RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 1, u: 1.0);

        Assert.Equal(expiresAt - Buffer, fireAt);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.01)]
    [InlineData(1e-12)]
    public void Lead_is_Buffer_plus_load_time_times_beta_times_minus_ln_u(double u)
    {
        var expiresAt = Now.AddHours(1);

        var lead1 = expiresAt - RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 1, u);
        var lead2 = expiresAt - RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 2, u);

        var expected = LoadTime.TotalSeconds * -Math.Log(u);
        Assert.Equal(expected, (lead1 - Buffer).TotalSeconds, tolerance: 1e-6);
        Assert.Equal(2 * expected, (lead2 - Buffer).TotalSeconds, tolerance: 1e-6);
    }

    [Fact]
    public void Fires_now_when_expiry_minus_Buffer_has_already_passed()
    {
        var expiresAt = Now + TimeSpan.FromSeconds(2);

        Assert.Equal(Now, RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 1, u: 1.0));
        Assert.Equal(Now, RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 1, u: 0.3));
    }

    [Fact]
    public void Fires_now_when_the_key_has_already_expired()
    {
        var expiresAt = Now - TimeSpan.FromMinutes(1);

        Assert.Equal(Now, RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 1, u: 1.0));
        Assert.Equal(Now, RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 1, u: 0.3));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(1e-3)]
    [InlineData(1e-300)]
    [InlineData(double.Epsilon)]
    public void Fires_no_later_than_Buffer_before_expiry_when_there_is_room(double u)
    {
        // From "just enough room" to "plenty of room": the lead is never below Buffer and never after expiry.
        foreach (var room in new[] { Buffer, Buffer + TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromDays(1) })
        {
            var expiresAt = Now + room;

            var fireAt = RefreshPlanner.FireAt(expiresAt, LoadTime, Now, Buffer, beta: 1, u);

            Assert.True(fireAt >= Now, $"room {room}, u {u}: fired at {fireAt:O}, before now {Now:O}");
            Assert.True(fireAt <= expiresAt, $"room {room}, u {u}: fired at {fireAt:O}, after expiry {expiresAt:O}");
            Assert.True(expiresAt - fireAt >= Buffer, $"room {room}, u {u}: lead {expiresAt - fireAt} is below Buffer {Buffer}");
        }
    }

    [Fact]
    public void Planner_reads_now_from_its_TimeProvider()
    {
        var time = new FakeTimeProvider(Now);
        var planner = Planner(time, beta: 1);
        var expiresAt = Now + TimeSpan.FromMinutes(5);

        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(time.GetUtcNow(), planner.FireAt(expiresAt, LoadTime));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Mean_lead_over_many_draws_is_Buffer_plus_load_time_times_beta(double beta)
    {
        var leads = Leads(beta);

        var expected = Buffer.TotalSeconds + (LoadTime.TotalSeconds * beta);
        var tolerance = StandardErrors * LoadTime.TotalSeconds * beta / Math.Sqrt(Draws);
        Assert.InRange(leads.Average(), expected - tolerance, expected + tolerance);
        Assert.True(leads.Min() >= Buffer.TotalSeconds, $"a lead of {leads.Min()} s is below Buffer");
    }

    [Fact]
    public void Slow_first_loads_cannot_make_a_key_refresh_right_after_its_previous_refresh()
    {
        // Just written with a 6 s TTL while delta is still inflated by cold loads (1 s), and an unlucky draw (-ln U = 27.6).
        var expiresAt = Now + TimeSpan.FromSeconds(6);
        var buffer = TimeSpan.FromSeconds(1.5);

        var fireAt = RefreshPlanner.FireAt(expiresAt, TimeSpan.FromSeconds(1), Now, buffer, beta: 1, u: 1e-12);

        // The early part takes at most half of the 4.5 s before the buffer: the value lives at least 2.25 s.
        Assert.Equal(Now + TimeSpan.FromSeconds(2.25), fireAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(249)]
    public void Millisecond_loads_still_spread_replicas_by_at_least_MinSpread(int loadMs)
    {
        var expiresAt = Now.AddMinutes(5);

        var lead = expiresAt - RefreshPlanner.FireAt(expiresAt, TimeSpan.FromMilliseconds(loadMs), Now, Buffer, beta: 1, u: Math.Exp(-1));

        Assert.Equal((Buffer + RefreshPlanner.MinSpread).TotalMilliseconds, lead.TotalMilliseconds, tolerance: 1e-6);
    }

    [Fact]
    public void Beta_scales_the_spread_of_fire_times()
    {
        var spread1 = Variance(Leads(beta: 1));
        var spread2 = Variance(Leads(beta: 2));

        // Variance of the lead is (delta * beta)^2: 4 s^2 at beta 1, 16 s^2 at beta 2.
        var unit = LoadTime.TotalSeconds * LoadTime.TotalSeconds;
        var relativeError = StandardErrors * Math.Sqrt(8.0 / Draws);
        Assert.InRange(spread1 / unit, 1 - relativeError, 1 + relativeError);
        Assert.InRange(spread2 / unit, 4 * (1 - relativeError), 4 * (1 + relativeError));
    }

    private static double[] Leads(double beta)
    {
        var time = new FakeTimeProvider(Now);
        var planner = Planner(time, beta);
        // An hour ahead leaves room for any draw (the largest -ln U of 200,000 draws is about 12), so nothing is clamped.
        var expiresAt = Now + TimeSpan.FromHours(1);
        var leads = new double[Draws];
        for (var i = 0; i < Draws; i++)
        {
            leads[i] = (expiresAt - planner.FireAt(expiresAt, LoadTime)).TotalSeconds;
        }

        return leads;
    }

    private static double Variance(double[] values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
    }

    private static RefreshPlanner Planner(TimeProvider time, double beta) =>
        new(Options.Create(new RefreshOptions { Buffer = Buffer, Beta = beta }), time);
}
