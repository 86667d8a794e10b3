using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Refresh;

public class RefreshSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refreshes_come_due_in_fire_time_order_each_at_its_time()
    {
        var scheduler = new RefreshScheduler(_time);
        await scheduler.ScheduleAsync("c", Start.AddSeconds(3), Start.AddSeconds(5), missed: false, _ct);
        await scheduler.ScheduleAsync("a", Start.AddSeconds(1), Start.AddSeconds(4), missed: false, _ct);
        await scheduler.ScheduleAsync("b", Start.AddSeconds(2), null, missed: true, _ct);

        var next = scheduler.NextAsync(_ct).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(999));
        await AssertNothingDueAsync(scheduler);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new DueRefresh("a", Start.AddSeconds(1), Start.AddSeconds(4), false), await next.WaitAsync(TimeSpan.FromSeconds(10), _ct));

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(new DueRefresh("b", Start.AddSeconds(2), null, true), await scheduler.NextAsync(_ct));
        Assert.Equal("c", (await scheduler.NextAsync(_ct)).Key);
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public async Task Scheduling_a_key_again_replaces_its_refresh()
    {
        var scheduler = new RefreshScheduler(_time);
        await scheduler.ScheduleAsync("k", Start.AddSeconds(1), Start.AddSeconds(2), missed: false, _ct);
        await scheduler.ScheduleAsync("k", Start.AddSeconds(5), Start.AddSeconds(6), missed: false, _ct);
        await scheduler.ScheduleAsync("other", Start.AddSeconds(9), null, missed: false, _ct);

        _time.Advance(TimeSpan.FromSeconds(10));
        var first = await scheduler.NextAsync(_ct);
        var second = await scheduler.NextAsync(_ct);

        Assert.Equal(("k", Start.AddSeconds(5)), (first.Key, first.FireAt));
        Assert.Equal("other", second.Key);
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public async Task A_plan_moved_later_comes_due_at_its_new_time_with_its_new_values_and_once()
    {
        var scheduler = new RefreshScheduler(_time);
        // A standby's plan: every write of the owner moves it a cycle on before it comes up.
        for (var cycle = 1; cycle <= 3; cycle++)
        {
            await scheduler.ScheduleAsync("standby", Start.AddSeconds(cycle * 10), Start.AddSeconds((cycle * 10) + 1), missed: false, _ct);
        }

        await scheduler.ScheduleAsync("other", Start.AddSeconds(15), null, missed: false, _ct);

        _time.Advance(TimeSpan.FromSeconds(12));
        await AssertNothingDueAsync(scheduler);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("other", (await scheduler.NextAsync(_ct)).Key);
        _time.Advance(TimeSpan.FromSeconds(14));
        await AssertNothingDueAsync(scheduler);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new DueRefresh("standby", Start.AddSeconds(30), Start.AddSeconds(31), false), await scheduler.NextAsync(_ct));
        _time.Advance(TimeSpan.FromMinutes(1));
        await AssertNothingDueAsync(scheduler);
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public async Task A_plan_moved_earlier_comes_due_at_its_new_time_and_not_again_at_the_old_one()
    {
        var scheduler = new RefreshScheduler(_time);
        await scheduler.ScheduleAsync("k", Start.AddSeconds(10), Start.AddSeconds(12), missed: false, _ct);
        var next = scheduler.NextAsync(_ct).AsTask();
        await scheduler.ScheduleAsync("k", Start.AddSeconds(1), null, missed: true, _ct);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new DueRefresh("k", Start.AddSeconds(1), null, true), await next.WaitAsync(TimeSpan.FromSeconds(10), _ct));
        _time.Advance(TimeSpan.FromSeconds(20));
        await AssertNothingDueAsync(scheduler);
    }

    [Fact]
    public async Task An_unscheduled_key_never_comes_due()
    {
        var scheduler = new RefreshScheduler(_time);
        await scheduler.ScheduleAsync("gone", Start.AddSeconds(1), null, missed: false, _ct);
        await scheduler.ScheduleAsync("kept", Start.AddSeconds(2), null, missed: false, _ct);
        await scheduler.UnscheduleAsync("gone", _ct);

        _time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal("kept", (await scheduler.NextAsync(_ct)).Key);
        await AssertNothingDueAsync(scheduler);
    }

    [Fact]
    public async Task A_waiting_taker_wakes_for_a_refresh_planned_earlier_than_the_one_it_waits_for()
    {
        var scheduler = new RefreshScheduler(_time);
        await scheduler.ScheduleAsync("late", Start.AddMinutes(10), null, missed: false, _ct);
        // A taker is waiting once NextAsync returns: it looks and starts its wait before its first await.
        var next = scheduler.NextAsync(_ct).AsTask();
        Assert.False(next.IsCompleted);

        await scheduler.ScheduleAsync("now", Start, null, missed: true, _ct);

        Assert.Equal("now", (await next.WaitAsync(TimeSpan.FromSeconds(10), _ct)).Key);
    }

    [Fact]
    public async Task A_taker_waits_on_an_empty_schedule_until_a_key_is_planned()
    {
        var scheduler = new RefreshScheduler(_time);
        var next = scheduler.NextAsync(_ct).AsTask();
        Assert.False(next.IsCompleted);

        // Planned for now: the woken taker takes it without a timer, so no clock advance can race its wait.
        await scheduler.ScheduleAsync("k", Start, null, missed: false, _ct);

        Assert.Equal("k", (await next.WaitAsync(TimeSpan.FromSeconds(10), _ct)).Key);
    }

    [Fact]
    public async Task Many_replacements_leave_exactly_the_last_plan_of_each_key()
    {
        // Enough replacements to make the stale heap entries outnumber the live ones, so the heap is rebuilt.
        var scheduler = new RefreshScheduler(_time);
        const int keys = 1_000;
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < keys; i++)
            {
                await scheduler.ScheduleAsync($"k{i}", Start.AddMilliseconds((round * keys) + (keys - i)), null, missed: false, _ct);
            }
        }

        Assert.Equal(keys, scheduler.Count);
        _time.Advance(TimeSpan.FromHours(1));
        var taken = new List<DueRefresh>();
        for (var i = 0; i < keys; i++)
        {
            taken.Add(await scheduler.NextAsync(_ct));
        }

        Assert.Equal(keys, taken.Select(d => d.Key).Distinct().Count());
        Assert.All(taken, d => Assert.Equal(Start.AddMilliseconds((4 * keys) + (keys - int.Parse(d.Key[1..]))), d.FireAt));
        Assert.Equal(taken.OrderBy(d => d.FireAt).Select(d => d.Key), taken.Select(d => d.Key));
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public async Task Cancelling_a_waiting_taker_ends_its_wait()
    {
        var scheduler = new RefreshScheduler(_time);
        await scheduler.ScheduleAsync("k", Start.AddMinutes(1), null, missed: false, _ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        var next = scheduler.NextAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        Assert.Equal(1, scheduler.Count);
    }

    // A fresh taker decides synchronously: it returns a due refresh at once, or starts waiting (for a signal or a fake
    // timer, neither of which can fire here). So "not completed" is a fact, not a guess after a sleep. It is then
    // cancelled, so it does not steal the next refresh from the test's own taker.
    private async Task AssertNothingDueAsync(RefreshScheduler scheduler)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        var probe = scheduler.NextAsync(cancel.Token).AsTask();
        Assert.False(probe.IsCompleted, probe.IsCompletedSuccessfully ? $"{probe.Result.Key} came due early" : "the taker ended");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe);
    }
}
