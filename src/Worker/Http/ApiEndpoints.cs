using CacheWarmer.Contracts.Http;
using CacheWarmer.Worker.WarmRequests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// The routes of the ops API (README, "Operating it"). With <c>CacheWarmer:Http:ApiKey</c> set, each needs
/// <c>X-Api-Key</c> (<see cref="ApiKeyCheck"/>) unless it carries <see cref="NoApiKey"/>: only the probes do here.
/// </summary>
internal static class ApiEndpoints
{
    public static void MapWarm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/warm", (HttpContext context, [FromQuery] string? wait, WarmHandler handler) => handler.HandleAsync(context, wait))
            .Accepts<WarmRequest>("application/json")
            .Produces<WarmAccepted>(StatusCodes.Status202Accepted)
            .Produces<WarmResult>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("Warm")
            .WithSummary("Warm keys now: a list of keys, a loader and ids, or a glob of existing keys")
            .WithDescription("Loads each missing key once across every replica (lease and fenced write), leaves keys that are there as they are, and pins them as managed for CacheWarmer:Http:WarmPin.");

        app.MapGet("/warm/{id}", (string id, WarmJobs jobs) => jobs.Find(id) is { } job
                ? Results.Ok(job.Progress())
                : Results.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "No such warm job on this replica",
                    detail: $"This replica remembers the last {WarmJobs.Kept} warm jobs it accepted, in memory: ask the replica that answered the POST /warm, which has not restarted since."))
            .Produces<WarmProgress>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("WarmProgress")
            .WithSummary("The progress of a warm job accepted by this replica");
    }

    public static void MapHotKeys(this IEndpointRouteBuilder app) =>
        app.MapGet("/hotkeys", ([FromQuery] string? top, HotKeysHandler handler) => handler.HandleAsync(top))
            .Produces<HotKey[]>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("HotKeys")
            .WithSummary("The hottest keys by read rate, whether each is managed, its TTL and its next refresh");

    public static void MapProbes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("alive")))
            .WithMetadata(NoApiKey.Instance)
            .WithName("Health")
            .WithSummary("Liveness: the process answers");

        app.MapGet("/readyz", (Readiness readiness) =>
            {
                var report = readiness.Check();
                return TypedResults.Json(report, statusCode: report.Status == "ready" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
            })
            .WithMetadata(NoApiKey.Instance)
            .Produces<ReadinessReport>(StatusCodes.Status200OK)
            .Produces<ReadinessReport>(StatusCodes.Status503ServiceUnavailable)
            .WithName("Ready")
            .WithSummary("Readiness: Redis connected, keyspace notifications subscribed, no source's circuit open");
    }

    /// <summary>The body of <c>GET /healthz</c>.</summary>
    internal sealed record HealthStatus(string Status);
}
