using CacheWarmer.HotKeyTracker.Keyspace;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CacheWarmer.HotKeyTracker;

/// <summary>Registers the hot-key tracker.</summary>
public static class HotKeyTrackerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the keyspace listener as a hosted service and as <see cref="IKeyObservationSource"/>. The caller registers
    /// an <see cref="StackExchange.Redis.IConnectionMultiplexer"/> with admin commands allowed (for CONFIG and SCAN).
    /// </summary>
    public static IServiceCollection AddHotKeyTracker(this IServiceCollection services, Action<KeyspaceOptions>? configure = null)
    {
        var options = services.AddOptions<KeyspaceOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KeyspaceListener>();
        services.TryAddSingleton<IKeyObservationSource>(sp => sp.GetRequiredService<KeyspaceListener>());
        services.AddHostedService(sp => sp.GetRequiredService<KeyspaceListener>());
        return services;
    }
}
