using System.Globalization;
using CacheWarmer.Contracts.Http;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Telemetry;
using CacheWarmer.Worker.WarmRequests;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// <c>POST /warm</c>: reads and checks the whole request, finds the keys (by SCAN for a glob), and only then starts the
/// job, so a refused request writes nothing. 202 with the job's id, or with <c>?wait=true</c> 200 with every key's
/// outcome once the job ends.
/// </summary>
internal sealed class WarmHandler(
    WarmRequestReader reader,
    WarmPatternScanner scanner,
    WarmJobs jobs,
    IConnectionMultiplexer redis,
    IOptions<HttpOptions> http,
    ILogger<WarmHandler> logger)
{
    /// <summary>The <c>trigger</c> label of warms asked for over HTTP.</summary>
    public const string Trigger = "http";

    // A scan of a large keyspace takes a second or so.
    private const int RetryAfterSeconds = 1;

    private readonly long _maxBytes = http.Value.MaxRequestBytes;

    public async Task<IResult> HandleAsync(HttpContext context, string? wait)
    {
        var remote = context.Connection.RemoteIpAddress?.ToString() ?? "?";
        var cancellationToken = context.RequestAborted;
        var body = await RequestBody.ReadAsync(context.Request, _maxBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            Log.WarmRefused(logger, remote, "\"body\" (too large)", 1);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The warm request is too large; nothing was started",
                detail: $"The body is larger than CacheWarmer:Http:MaxRequestBytes ({_maxBytes} bytes): split the warm into several requests.");
        }

        var errors = new WarmRequestErrors();
        var waitForResult = ReadWait(wait, errors);
        var selection = reader.Read(body.Value, errors);
        if (selection is null || errors.Any)
        {
            return Refuse(errors, remote);
        }

        if (!redis.IsConnected)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Redis is not connected; nothing was started",
                detail: "The worker cannot reach Redis: try again once GET /readyz answers 200.");
        }

        IReadOnlyList<LoaderMatch>? keys = selection.Keys;
        if (selection.Pattern is { } glob)
        {
            using var slot = scanner.TryTakeSlot();
            if (slot is null)
            {
                return ScansBusy(context, remote);
            }

            try
            {
                keys = await scanner.ScanAsync(glob, errors, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Scanning Redis failed; nothing was started",
                    detail: $"SCAN MATCH \"{glob}\" failed ({ex.GetType().Name}): try again once GET /readyz answers 200.");
            }

            if (keys is null)
            {
                return Refuse(errors, remote);
            }
        }

        var started = jobs.TryStart(keys!, Trigger);
        if (started is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many warms are running; nothing was started",
                detail: $"This replica runs at most {WarmJobs.MaxRunning} warm jobs at once: wait for one to finish (GET /warm/{{id}}), or merge your warms into fewer requests.");
        }

        var (job, results) = started.Value;
        Log.WarmAccepted(logger, job.Id, job.Total, selection.Mode, remote);
        if (!waitForResult)
        {
            return TypedResults.Accepted($"/warm/{job.Id}", new WarmAccepted(job.Id, job.Total));
        }

        // The job runs on whether or not the caller waits to the end.
        var outcomes = await results.WaitAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new WarmResult(job.Id, job.Total, job.Done, job.Failed, WarmJob.StateLabel(job.State), outcomes));
    }

    // Refused rather than queued: a queued request would hold its connection for as long as the scans ahead of it take,
    // which its client cannot tell from a hung worker; a 429 with Retry-After says what happened and when to come back.
    private ProblemHttpResult ScansBusy(HttpContext context, string remote)
    {
        Log.ScansBusy(logger, remote, scanner.MaxConcurrent);
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many pattern scans are running; nothing was started",
            detail: $"This replica runs at most CacheWarmer:Http:MaxConcurrentScans ({scanner.MaxConcurrent}) pattern scans at once: retry after {RetryAfterSeconds} s, or warm by keys or by loader and ids, which need no scan.");
    }

    private static bool ReadWait(string? wait, WarmRequestErrors errors)
    {
        switch (wait?.ToUpperInvariant())
        {
            case null or "" or "FALSE" or "0":
                return false;
            case "TRUE" or "1":
                return true;
            default:
                errors.Add("wait", $"\"{wait}\" is not a boolean: use wait=true to get each key's outcome, or leave it out");
                return false;
        }
    }

    private ValidationProblem Refuse(WarmRequestErrors errors, string remote)
    {
        // The messages quote the request's own text, so only the field (escaped: it may be a client's field name) is logged.
        Log.WarmRefused(logger, remote, LogText.Quote(errors.ByField.Keys.First()), errors.ByField.Count);
        return TypedResults.ValidationProblem(errors.ByField, detail: errors.Summary(), title: "The warm request is invalid; nothing was started");
    }
}
