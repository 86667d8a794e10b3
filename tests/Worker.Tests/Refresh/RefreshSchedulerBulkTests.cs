using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Refresh;

/// <summary>Refreshes planned together, more than the measured rate gets through by their plan, start early.</summary>
public class RefreshSchedulerBulkTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    // One slot at 100 ms a key: 10 refreshes a second, 5 with the headroom.
    private readonly RefreshCapacity _capacity = new(Options.Create(new RefreshOptions { MaxConcurrency = 1 }));

    [Fact]
    public async Task A_bulk_too_large_for_the_rate_starts_at_its_earliest_and_not_before()
    {
        var scheduler = new RefreshScheduler(_time, _capacity);
        for (var i = 0; i < 100; i++)
        {
            await scheduler.ScheduleAsync($"k{i}", Start.AddSeconds(10), Start.AddSeconds(12), missed: false, _ct, earliestAt: Start.AddSeconds(5));
        }

        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        await AssertNothingDueAsync(scheduler);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(Start.AddSeconds(10), (await scheduler.NextAsync(_ct)).FireAt);
        Assert.Equal(5, scheduler.TakeAlong(_ => true, TimeSpan.Zero, 5).Count);
    }

    [Fact]
    public async Task Refreshes_the_rate_gets_through_in_time_wait_for_their_plan()
    {
        var scheduler = new RefreshScheduler(_time, _capacity);
        await scheduler.ScheduleAsync("a", Start.AddSeconds(10), Start.AddSeconds(12), missed: false, _ct, earliestAt: Start.AddSeconds(5));
        await scheduler.ScheduleAsync("b", Start.AddSeconds(10), Start.AddSeconds(12), missed: false, _ct, earliestAt: Start.AddSeconds(5));

        _time.Advance(TimeSpan.FromSeconds(9.5));
        await AssertNothingDueAsync(scheduler);
        Assert.Empty(scheduler.TakeAlong(_ => true, TimeSpan.Zero, 5));

        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal("a", (await scheduler.NextAsync(_ct)).Key);
    }

    [Fact]
    public async Task A_bulk_that_took_its_keys_early_no_longer_runs_behind()
    {
        var capacity = new RefreshCapacity(Options.Create(new RefreshOptions { MaxConcurrency = 1 }));
        var scheduler = new RefreshScheduler(_time, capacity);
        for (var i = 0; i < 100; i++)
        {
            await scheduler.ScheduleAsync($"k{i}", Start.AddSeconds(10), Start.AddSeconds(12), missed: false, _ct, earliestAt: Start.AddSeconds(5));
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.NotNull(await scheduler.NextAsync(_ct));

        // Measured: 1 ms a key, so the 99 left take 0.2 s at the headroom, well before their plan.
        for (var i = 0; i < 50; i++)
        {
            capacity.Record(TimeSpan.FromMilliseconds(1), 1);
        }

        _time.Advance(TimeSpan.FromMilliseconds(100));
        await AssertNothingDueAsync(scheduler);
    }

    private async Task AssertNothingDueAsync(RefreshScheduler scheduler)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        var probe = scheduler.NextAsync(cancel.Token).AsTask();
        Assert.False(probe.IsCompleted, probe.IsCompletedSuccessfully ? $"{probe.Result.Key} came due early" : "the taker ended");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe);
    }
}
