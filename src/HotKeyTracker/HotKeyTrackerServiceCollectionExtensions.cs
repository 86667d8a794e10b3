using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.HotKeyTracker.Sampling;
using CacheWarmer.HotKeyTracker.ServerCounters;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CacheWarmer.HotKeyTracker;

/// <summary>Registers the hot-key tracker.</summary>
public static class HotKeyTrackerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the hot-key tracker: the keyspace listener (also as <see cref="IKeyObservationSource"/>), the
    /// <see cref="HotKeyModel"/>, the reader of the access-sample stream and the reader of Redis's LFU counters, all
    /// hosted. The caller registers
    /// an <see cref="StackExchange.Redis.IConnectionMultiplexer"/> with admin commands allowed (for CONFIG and SCAN),
    /// and configures <see cref="HotKeyOptions"/> and <see cref="HotKeyInputOptions"/> if the defaults do not fit.
    /// </summary>
    public static IServiceCollection AddHotKeyTracker(this IServiceCollection services, Action<KeyspaceOptions>? configure = null)
    {
        var options = services.AddOptions<KeyspaceOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddOptions<HotKeyOptions>();
        services.AddOptions<HotKeyInputOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HotKeyModel>();
        services.TryAddSingleton<SampleStreamReader>();
        services.AddHostedService(sp => sp.GetRequiredService<SampleStreamReader>());
        services.TryAddSingleton<KeyspaceListener>();
        services.TryAddSingleton<IKeyObservationSource>(sp => sp.GetRequiredService<KeyspaceListener>());
        services.AddHostedService(sp => sp.GetRequiredService<KeyspaceListener>());
        services.TryAddSingleton<LfuFrequencyReader>();
        services.AddHostedService(sp => sp.GetRequiredService<LfuFrequencyReader>());
        return services;
    }
}
