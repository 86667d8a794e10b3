using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Refresh;

/// <summary>A batch takes along only keys that fit it and are due within the window; the rest stay planned as they were.</summary>
public class RefreshSchedulerBatchTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_batch_takes_the_fitting_keys_due_within_the_window_and_leaves_the_others_planned()
    {
        var scheduler = new RefreshScheduler(_time);
        await scheduler.ScheduleAsync("p:1", Start, Start.AddSeconds(5), missed: false, _ct);
        await scheduler.ScheduleAsync("p:2", Start.AddMilliseconds(-300), Start.AddSeconds(5), missed: false, _ct);
        await scheduler.ScheduleAsync("u:1", Start.AddMilliseconds(10), Start.AddSeconds(5), missed: false, _ct);
        await scheduler.ScheduleAsync("p:3", Start.AddMilliseconds(40), Start.AddSeconds(5), missed: false, _ct);
        await scheduler.ScheduleAsync("p:4", Start.AddMilliseconds(60), Start.AddSeconds(5), missed: false, _ct);

        var first = await scheduler.NextAsync(_ct);
        var along = scheduler.TakeAlong(d => d.Key.StartsWith("p:", StringComparison.Ordinal), TimeSpan.FromMilliseconds(50), max: 10);

        Assert.Equal("p:2", first.Key);
        Assert.Equal(["p:1", "p:3"], along.Select(d => d.Key));
        Assert.Equal(2, scheduler.Count);
        // The key of another loader keeps its time; the key past the window comes due at its own.
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal("u:1", (await scheduler.NextAsync(_ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), _ct)).Key);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(new DueRefresh("p:4", Start.AddMilliseconds(60), Start.AddSeconds(5), false), await scheduler.NextAsync(_ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), _ct));
    }

    [Fact]
    public async Task A_batch_takes_at_most_max_keys_in_fire_time_order()
    {
        var scheduler = new RefreshScheduler(_time);
        for (var i = 0; i < 10; i++)
        {
            await scheduler.ScheduleAsync($"p:{i}", Start.AddMilliseconds(-i), null, missed: false, _ct);
        }

        var along = scheduler.TakeAlong(_ => true, TimeSpan.Zero, max: 3);

        Assert.Equal(["p:9", "p:8", "p:7"], along.Select(d => d.Key));
        Assert.Equal(7, scheduler.Count);
    }
}
