using CacheWarmer.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// A whole worker host running in the test process, composed exactly as Program.cs composes it (HTTP API included, on
/// the port <see cref="WorkerConfig"/> gives: 0, so the system picks a free one), without Program.cs's default
/// configuration sources (appsettings.json, environment), so only the test's settings apply.
/// </summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WorkerHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    /// <summary>Where the API listens, such as http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress
    {
        get
        {
            var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First().TrimEnd('/') + "/");
        }
    }

    public static async Task<WorkerHost> StartAsync(WorkerConfig config, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrelCore();
        builder.Configuration.AddInMemoryCollection(config.Settings);
        builder.AddCacheWarmer();
        builder.AddCacheWarmerApi();
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapCacheWarmerApi();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new WorkerHost(app);
    }

    /// <summary>A client for the API; dispose it.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async Task StopAsync() => await _app.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None);
        }
        catch (ObjectDisposedException)
        {
        }

        await _app.DisposeAsync();
    }
}
