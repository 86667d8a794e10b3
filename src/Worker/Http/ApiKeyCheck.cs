using System.Security.Cryptography;
using System.Text;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// When <c>CacheWarmer:Http:ApiKey</c> is set, every request needs it in <c>X-Api-Key</c>, except those to an endpoint
/// marked <see cref="NoApiKey"/> (the probes and <c>/metrics</c>, which kubelets and Prometheus call without secrets).
/// A path no endpoint serves needs it too, so an unkeyed caller cannot even learn which paths exist. Both sides are
/// hashed with SHA-256 and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the content
/// nor the length of the key leaks through response times. Neither key is ever logged.
/// </summary>
/// <remarks>Runs after routing, which tells it the endpoint, and before the endpoint.</remarks>
internal sealed class ApiKeyCheck(IOptions<HttpOptions> http, ILogger<ApiKeyCheck> logger) : IMiddleware
{
    /// <summary>The request header carrying the key.</summary>
    public const string Header = "X-Api-Key";

    private readonly byte[]? _expected = string.IsNullOrEmpty(http.Value.ApiKey)
        ? null
        : SHA256.HashData(Encoding.UTF8.GetBytes(http.Value.ApiKey));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (_expected is null || context.GetEndpoint()?.Metadata.GetMetadata<NoApiKey>() is not null || HasKey(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var request = context.Request;
        Log.ApiKeyRefused(logger, request.Method, LogText.Quote(request.Path.Value ?? ""), context.Connection.RemoteIpAddress?.ToString() ?? "?");
        await TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Missing or wrong API key",
                detail: $"Every endpoint but /healthz, /readyz and /metrics needs the {Header} header with the key set in CacheWarmer:Http:ApiKey.")
            .ExecuteAsync(context)
            .ConfigureAwait(false);
    }

    private bool HasKey(HttpRequest request)
    {
        var given = request.Headers[Header];
        return given.Count == 1 && given[0] is { } key &&
            CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key)), _expected);
    }
}

/// <summary>Endpoint metadata: this endpoint answers without <c>X-Api-Key</c> (<see cref="ApiKeyCheck"/>).</summary>
internal sealed class NoApiKey
{
    public static readonly NoApiKey Instance = new();

    private NoApiKey()
    {
    }
}
