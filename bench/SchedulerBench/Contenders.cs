using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace CacheWarmer.SchedulerBench;

/// <summary>
/// A way to run one refresh per key at a planned time: plan a key, and have <c>fired</c> called with the key and the
/// time it was planned for when it comes due, at most <c>concurrency</c> at once.
/// </summary>
internal interface IContender : IAsyncDisposable
{
    string Name { get; }

    ValueTask PlanAsync(string key, DateTimeOffset fireAt);
}

/// <summary>
/// The design the worker had: Quartz's in-memory store, one durable job and one trigger per key carrying the key and
/// its planned expiry, replaced on every plan; the thread pool as large as Refresh:MaxConcurrency.
/// </summary>
internal sealed class QuartzTriggers : IContender
{
    private static readonly JobKey Job = new("refresh", "bench");
    private readonly ServiceProvider _services;
    private readonly IScheduler _scheduler;
    private volatile bool _stopping;

    private QuartzTriggers(ServiceProvider services, IScheduler scheduler) => (_services, _scheduler) = (services, scheduler);

    public string Name => "Quartz: a trigger per key";

    /// <summary>Composed as the worker composed it: AddQuartz, the in-memory store, a pool of <paramref name="concurrency"/>.</summary>
    public static async Task<QuartzTriggers> StartAsync(int concurrency, Func<string, DateTimeOffset, Task> fired)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new Fired(fired));
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(scheduler => scheduler.InstanceName = "bench-" + Guid.NewGuid().ToString("N"));
            q.UseInMemoryStore(_ => { });
            q.UseDefaultThreadPool(concurrency);
            q.AddJob<FireJob>(job => job.WithIdentity(Job).StoreDurably());
        });
        var provider = services.BuildServiceProvider();
        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.Start();
        return new QuartzTriggers(provider, scheduler);
    }

    public async ValueTask PlanAsync(string key, DateTimeOffset fireAt)
    {
        var trigger = TriggerBuilder.Create()
            .WithIdentity(key, "refresh")
            .ForJob(Job)
            .StartAt(fireAt)
            .UsingJobData("key", key)
            .UsingJobData("expiry", fireAt.AddSeconds(1).ToUnixTimeMilliseconds())
            .Build();
        try
        {
            await _scheduler.ScheduleTrigger(trigger, TriggerConflict.Replace);
        }
        catch (SchedulerException) when (_stopping)
        {
            // A refresh that finished while the run was being stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await _scheduler.Shutdown(waitForJobsToComplete: true);
        await _services.DisposeAsync();
    }

    private sealed record Fired(Func<string, DateTimeOffset, Task> Callback);

    private sealed class FireJob(Fired fired) : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
            await fired.Callback(context.MergedJobDataMap.GetString("key")!, context.ScheduledFireTimeUtc!.Value);
    }
}

/// <summary>
/// The worker's design: its own <see cref="RefreshScheduler"/> and a loop that takes due refreshes with a bounded
/// number of slots, as <see cref="RefreshDispatcher"/> does.
/// </summary>
internal sealed class OwnSchedule : IContender
{
    private readonly RefreshScheduler _schedule = new(TimeProvider.System);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _free;
    private readonly int _slots;
    private readonly Task _loop;

    public OwnSchedule(int concurrency, Func<string, DateTimeOffset, Task> fired)
    {
        _slots = concurrency;
        _free = new SemaphoreSlim(concurrency, concurrency);
        _loop = Task.Run(() => LoopAsync(fired));
    }

    public string Name => "Own schedule (RefreshScheduler)";

    public ValueTask PlanAsync(string key, DateTimeOffset fireAt) => _schedule.ScheduleAsync(key, fireAt, fireAt.AddSeconds(1), missed: false, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        for (var i = 0; i < _slots; i++)
        {
            await _free.WaitAsync();
        }

        _stop.Dispose();
        _free.Dispose();
    }

    private async Task LoopAsync(Func<string, DateTimeOffset, Task> fired)
    {
        try
        {
            while (true)
            {
                await _free.WaitAsync(_stop.Token);
                DueRefresh due;
                try
                {
                    due = await _schedule.NextAsync(_stop.Token);
                }
                catch
                {
                    _free.Release();
                    throw;
                }

                _ = RunAsync(fired, due);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(Func<string, DateTimeOffset, Task> fired, DueRefresh due)
    {
        try
        {
            await fired(due.Key, due.FireAt);
        }
        finally
        {
            _free.Release();
        }
    }
}
