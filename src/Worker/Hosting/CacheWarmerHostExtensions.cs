using CacheWarmer.Contracts.Keys;
using CacheWarmer.HotKeyTracker;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Keys;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Sources;
using CacheWarmer.Worker.Telemetry;
using CacheWarmer.Worker.WarmRequests;
using CacheWarmer.Worker.Warmups;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;
using Serilog;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Hosting;

/// <summary>Composes the worker.</summary>
public static class CacheWarmerHostExtensions
{
    /// <summary>
    /// Adds the whole worker to a host: configuration (section <c>CacheWarmer</c>, validated at start), Serilog from
    /// configuration (or, without a <c>Serilog</c> section, the console: <see cref="WorkerLogging"/>), Redis, sources, the keyspace tracker, the refresh engine, the warmups on Quartz, warm jobs, and metrics. The
    /// HTTP API comes on top, for a web host, from <see cref="CacheWarmerApiExtensions"/>.
    /// </summary>
    public static IHostApplicationBuilder AddCacheWarmer(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSerilog((_, logger) => WorkerLogging.Configure(logger, builder.Configuration));
        services.AddOptions<CacheWarmerOptions>()
            .Bind(builder.Configuration.GetSection(CacheWarmerOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CacheWarmerOptions>, CacheWarmerOptionsValidator>());

        // A room takes only the sections it reads; every section is read from the one tree validated above.
        services.TryAddSingleton(sp => Section(sp, o => o.Redis));
        services.TryAddSingleton(sp => Section(sp, o => o.Sources));
        services.TryAddSingleton(sp => Section(sp, o => o.Loaders));
        services.TryAddSingleton(sp => Section(sp, o => o.Refresh));
        services.TryAddSingleton(sp => Section(sp, o => o.Refresh.CircuitBreaker));
        services.TryAddSingleton(sp => Section(sp, o => o.HotKeys));
        services.TryAddSingleton(sp => Section(sp, o => o.Http));
        services.TryAddSingleton(sp => Section(sp, o => o.Warmups));

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<CacheWarmerMetrics>();
        services.TryAddSingleton<ReplicaIdentity>();
        services.TryAddSingleton<ReplicaMembership>();
        services.TryAddSingleton<IConnectionMultiplexer>(sp => ConnectRedis(sp.GetRequiredService<IOptions<RedisOptions>>().Value, sp.GetRequiredService<ReplicaIdentity>()));

        services.TryAddSingleton<LoaderCatalog>();
        services.TryAddSingleton<SourceConnections>();
        services.TryAddSingleton<SourceQuery>();
        services.TryAddSingleton<SourceBatchQuery>();
        services.TryAddSingleton<SourceCircuitBreakers>();

        services.AddHotKeyTracker();
        services.AddOptions<KeyspaceOptions>().Configure<IOptions<CacheWarmerOptions>, ReplicaIdentity>((keyspace, cacheWarmer, replica) =>
        {
            keyspace.Database = cacheWarmer.Value.Redis.Database;
            keyspace.ConfigureKeyspaceEvents = cacheWarmer.Value.Redis.ConfigureKeyspaceEvents;
            keyspace.BeaconInterval = cacheWarmer.Value.Redis.BeaconInterval;
            if (cacheWarmer.Value.Loaders.Values.Any(l => !string.Equals(l.Format, nameof(ValueFormat.String), StringComparison.OrdinalIgnoreCase)))
            {
                // Hash entries are written with HSET: their events are of the hash class.
                keyspace.RequiredFlags = KeyspaceFlags.Required + KeyspaceFlags.HashEvents;
            }
            keyspace.InstanceId = replica.Id;
            foreach (var loader in cacheWarmer.Value.Loaders.Values)
            {
                if (KeyPattern.TryParse(loader.Key, out var pattern, out _))
                {
                    keyspace.Patterns.Add(pattern);
                }
            }
        });

        // The tracker's HotKeyOptions is the HotKeys section itself: HotKeysOptions extends it with the worker's settings.
        services.TryAddSingleton<IOptions<HotKeyOptions>>(sp => sp.GetRequiredService<IOptions<HotKeysOptions>>());
        services.AddOptions<HotKeyInputOptions>().Configure<IOptions<RedisOptions>>((input, redis) =>
        {
            input.KeyPrefix = redis.Value.KeyPrefix;
            input.Database = redis.Value.Database;
        });
        services.TryAddSingleton<HotKeyPolicy>();
        services.TryAddSingleton<ManagedKeyIndex>();
        services.TryAddSingleton<IKeyInterest>(sp => sp.GetRequiredService<ManagedKeyIndex>());

        services.TryAddSingleton<LoadTimeEstimator>();
        services.TryAddSingleton<RefreshPlanner>();
        services.TryAddSingleton<KeyLoader>();
        services.TryAddSingleton<BatchLoader>();
        services.TryAddSingleton<LoadsInFlight>();
        services.TryAddSingleton<Refresher>();
        services.TryAddSingleton<IRefresher>(sp => sp.GetRequiredService<Refresher>());
        services.TryAddSingleton<RefreshCapacity>();
        services.TryAddSingleton<RefreshScheduler>();
        services.TryAddSingleton<ReplicaHeartbeat>();
        services.TryAddSingleton<LeaseHolders>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaHeartbeat>());
        services.TryAddSingleton<RefreshResults>();
        services.TryAddSingleton<ManagedKeys>();
        services.AddHostedService(sp => sp.GetRequiredService<ManagedKeys>());
        services.TryAddSingleton<WarmPacer>();
        services.TryAddSingleton<KeyWarmer>();
        services.TryAddSingleton<WarmJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<WarmJobs>());
        services.TryAddSingleton<WarmupKeySource>();
        services.TryAddSingleton<WarmupRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<WarmupRunner>());
        services.AddHostedService<WarmupScheduler>();
        services.TryAddSingleton<HistoryRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryRecorder>());
        AddScheduler(builder);
        return builder;
    }

    private static void AddScheduler(IHostApplicationBuilder builder)
    {
        // Quartz runs the warmups' cron triggers; each firing hands its work to the WarmupRunner at once.
        // Several hosts may share a process (tests); Quartz keeps schedulers in a process-wide registry by name.
        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(scheduler => scheduler.InstanceName = "cachewarmer-" + Guid.NewGuid().ToString("N"));
            q.UseInMemoryStore(_ => { });
            q.UseDefaultThreadPool(2);
            q.AddJob<WarmupQuartzJob>(job => job.WithIdentity(WarmupQuartzJob.Key).StoreDurably());
        });
        builder.Services.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        // Registered last so it stops first: running refreshes finish before the rest shuts down.
        builder.Services.AddHostedService<RefreshDispatcher>();
    }

    private static IOptions<T> Section<T>(IServiceProvider services, Func<CacheWarmerOptions, T> section)
        where T : class => Options.Create(section(services.GetRequiredService<IOptions<CacheWarmerOptions>>().Value));

    private static ConnectionMultiplexer ConnectRedis(RedisOptions redis, ReplicaIdentity replica)
    {
        var configuration = ConfigurationOptions.Parse(redis.Configuration);
        // Start even while Redis is down, and keep reconnecting; the tracker resyncs on every reconnect.
        configuration.AbortOnConnectFail = false;
        // CONFIG (to turn on keyspace notifications) and SCAN across servers are admin commands.
        configuration.AllowAdmin = true;
        // Back within a second or so after a blip, at most 5 s apart after a long outage: notifications sent while the
        // subscription is down are lost, and the resync that follows the reconnect is what finds those keys.
        configuration.ReconnectRetryPolicy ??= new ExponentialRetry(250, 5000);
        configuration.ClientName ??= "cachewarmer-" + replica.Id;
        return ConnectionMultiplexer.Connect(configuration);
    }
}
