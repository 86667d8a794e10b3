using System.Diagnostics.Metrics;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Http;
using CacheWarmer.Worker.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CacheWarmer.Worker.Hosting;

/// <summary>Composes the ops HTTP API: warm on demand, hot keys, probes, Prometheus metrics and the OpenAPI document.</summary>
public static class CacheWarmerApiExtensions
{
    /// <summary>
    /// Adds the API's services to a web host composed with
    /// <see cref="CacheWarmerHostExtensions.AddCacheWarmer(Microsoft.Extensions.Hosting.IHostApplicationBuilder)"/>:
    /// Kestrel on <c>CacheWarmer:Http:Urls</c> with the request size limit, problem details, OpenAPI, and the
    /// <c>CacheWarmer</c> meter exported for Prometheus.
    /// </summary>
    public static WebApplicationBuilder AddCacheWarmerApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Read straight from configuration: the options are validated (a non-loopback URL without ApiKey refused) when
        // the host starts, before Kestrel binds anything.
        var http = builder.Configuration.GetSection(CacheWarmerOptions.SectionName).GetSection("Http").Get<HttpOptions>() ?? new HttpOptions();
        builder.WebHost.UseUrls(http.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The API refuses bodies over MaxRequestBytes with a 413 problem. Kestrel's hard limit is twice that, so it
            // can still drain a body that is only somewhat too large and the client reads the 413 instead of a reset
            // connection; anything larger is cut off.
            kestrel.Limits.MaxRequestBodySize = http.MaxRequestBytes * 2;
        });

        var services = builder.Services;
        services.AddRouting();
        services.AddProblemDetails();
        services.AddOpenApi();
        services.TryAddSingleton<ApiKeyCheck>();
        services.TryAddSingleton<WarmRequestReader>();
        services.TryAddSingleton<WarmPatternScanner>();
        services.TryAddSingleton<WarmHandler>();
        services.TryAddSingleton<HotKeysHandler>();
        services.TryAddSingleton<Readiness>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("cachewarmer"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(CacheWarmerMetrics.MeterName).AddPrometheusExporter(prometheus =>
                {
                    // Every scrape sees the current values; Prometheus scrapes every few seconds at most.
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                    // One meter: the otel_scope_* labels on every series would say nothing.
                    prometheus.ScopeInfoEnabled = false;
                });
                if (metrics is IDeferredMeterProviderBuilder deferred)
                {
                    deferred.Configure(OnlyThisHostsMeters);
                }
            });
        return builder;
    }

    // Kestrel's own "Now listening" line is filtered out by the default log levels; ops need to know where the API is.
    private static void ReportListening(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var apiKeySet = !string.IsNullOrEmpty(app.Services.GetRequiredService<IOptions<CacheWarmerOptions>>().Value.Http.ApiKey);
        Log.ApiListening(
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CacheWarmerApiExtensions).FullName!),
            string.Join(", ", addresses),
            apiKeySet ? "every endpoint but /healthz, /readyz and /metrics needs X-Api-Key" : "no endpoint needs a key (loopback only)");
    }

    // OpenTelemetry takes every meter of that name in the process. Several hosts share a process in tests and benchmarks,
    // and each must report its own figures, so instruments of another host's IMeterFactory are dropped.
    private static void OnlyThisHostsMeters(IServiceProvider provider, MeterProviderBuilder metrics)
    {
        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        metrics.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, meterFactory) ? null : MetricStreamConfiguration.Drop);
    }

    /// <summary>
    /// Maps the API: <c>POST /warm</c>, <c>GET /warm/{id}</c>, <c>GET /hotkeys</c>, <c>GET /healthz</c>,
    /// <c>GET /readyz</c>, <c>GET /metrics</c> and <c>GET /openapi/v1.json</c>. With <c>CacheWarmer:Http:ApiKey</c> set,
    /// all but the probes and <c>/metrics</c> need <c>X-Api-Key</c>.
    /// </summary>
    public static WebApplication MapCacheWarmerApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseMiddleware<ApiKeyCheck>();
        app.MapWarm();
        app.MapHotKeys();
        app.MapProbes();
        // Prometheus scrapes without secrets; the metrics name no keys.
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(NoApiKey.Instance);
        app.MapOpenApi();
        app.Lifetime.ApplicationStarted.Register(() => ReportListening(app));
        return app;
    }
}
