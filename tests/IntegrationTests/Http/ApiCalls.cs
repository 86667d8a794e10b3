using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CacheWarmer.Contracts.Keys;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>Small helpers for calling the worker's API and reading what it left in Redis.</summary>
internal static class ApiCalls
{
    public static Task<HttpResponseMessage> PostWarmAsync(this HttpClient client, string json, string query = "", string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "warm" + query)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string? MediaType(this HttpResponseMessage response) => response.Content.Headers.ContentType?.MediaType;

    public static MediaTypeHeaderValue Json => new("application/json");

    /// <summary>
    /// Keys under <paramref name="prefix"/>, except the replicas' heartbeats, their set and beacons (written on their own
    /// clock).
    /// </summary>
    public static async Task<List<string>> KeysAsync(IConnectionMultiplexer redis, string prefix)
    {
        var keys = new List<string>();
        foreach (var server in redis.GetServers())
        {
            await foreach (var key in server.KeysAsync(0, prefix + "*", 1000))
            {
                var text = (string)key!;
                if (!text.StartsWith(prefix + "cw:replica:", StringComparison.Ordinal) && text != WorkerKeys.Replicas(prefix + "cw:") &&
                    !text.StartsWith(WorkerKeys.BeaconPrefix(prefix + "cw:"), StringComparison.Ordinal))
                {
                    keys.Add(text);
                }
            }
        }

        return keys;
    }

    /// <summary>Every key's outcome in a <c>?wait=true</c> answer.</summary>
    public static Dictionary<string, string> Outcomes(JsonElement result) =>
        result.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("key").GetString()!, k => k.GetProperty("outcome").GetString()!);
}
