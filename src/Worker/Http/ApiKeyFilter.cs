using System.Security.Cryptography;
using System.Text;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// Guards a mutating endpoint with <c>X-Api-Key</c> when <c>CacheWarmer:Http:ApiKey</c> is set. Both sides are hashed
/// with SHA-256 and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the content nor the
/// length of the key leaks through response times. Neither key is ever logged.
/// </summary>
internal sealed class ApiKeyFilter(IOptions<CacheWarmerOptions> options, ILogger<ApiKeyFilter> logger) : IEndpointFilter
{
    /// <summary>The request header carrying the key.</summary>
    public const string Header = "X-Api-Key";

    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.Http.ApiKey)
        ? null
        : SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Http.ApiKey));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var request = context.HttpContext.Request;
        var given = request.Headers[Header];
        if (given.Count == 1 && given[0] is { } key &&
            CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key)), _expected))
        {
            return await next(context).ConfigureAwait(false);
        }

        Log.ApiKeyRefused(logger, request.Method, LogText.Quote(request.Path.Value ?? ""), context.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "?");
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Missing or wrong API key",
            detail: $"This endpoint needs the {Header} header with the key set in CacheWarmer:Http:ApiKey.");
    }
}
