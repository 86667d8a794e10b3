using System.Net;
using System.Text.Json;
using CacheWarmer.IntegrationTests.Http;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>One /readyz answer: its status and the keyspace_notifications check's detail.</summary>
internal sealed record Readyz(HttpStatusCode Status, bool NotificationsReady, string NotificationsDetail)
{
    public static async Task<Readyz> GetAsync(HttpClient client)
    {
        var response = await client.GetAsync("readyz", TestContext.Current.CancellationToken);
        var body = await response.JsonAsync();
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "keyspace_notifications");
        return new Readyz(response.StatusCode, check.GetProperty("ready").GetBoolean(), check.GetProperty("detail").GetString() ?? string.Empty);
    }

    public override string ToString() => $"{(int)Status}: {NotificationsDetail}";
}
