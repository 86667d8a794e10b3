using System.Net;
using System.Text;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.WarmRequests;

namespace CacheWarmer.IntegrationTests.Http;

/// <summary>A worker whose limits are small enough to cross in a test: 5 keys, 2 KiB.</summary>
public sealed class SmallLimitsWorker(RedisFixture redis, PostgresFixture postgres) : ApiWorker(redis, postgres, "warm_validation")
{
    public const int MaxKeys = 5;
    public const int MaxBytes = 2048;

    internal override void Configure(WorkerConfig config) => config
        .With("CacheWarmer:Http:MaxKeysPerRequest", MaxKeys.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .With("CacheWarmer:Http:MaxRequestBytes", MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>
/// Every kind of bad warm request gets its own 400 problem naming the field, and nothing happens: no job, no load, no
/// key written.
/// </summary>
public sealed class WarmValidationTests(SmallLimitsWorker worker) : IClassFixture<SmallLimitsWorker>
{
    // {P} stands for the test's key prefix.
    public static TheoryData<string, string, string, string> BadRequests => new()
    {
        // case, body, the field the problem names, words of the message
        { "malformed JSON", """{"keys": ["{P}product:1" """, "body", "not valid JSON" },
        { "not an object", """["{P}product:1"]""", "body", "not an object" },
        { "keys not a list", """{"keys": "{P}product:1"}""", "keys", "JSON string" },
        { "a key not a string", """{"keys": ["{P}product:1", 2]}""", "keys[1]", "JSON number" },
        { "an empty key", """{"keys": [""]}""", "keys[0]", "is empty" },
        { "empty keys", """{"keys": []}""", "keys", "is empty" },
        { "a key holding a newline", """{"keys": ["{P}product:1\nforged log line"]}""", "keys[0]", "control character" },
        { "a key matching no loader", """{"keys": ["{P}product:1", "{P}order:1"]}""", "keys[1]", "matches no loader" },
        { "a worker-owned key", """{"keys": ["{P}cw:lease:{P}product:1"]}""", "keys[0]", "matches no loader" },
        { "too many keys", """{"keys": ["{P}product:1", "{P}product:2", "{P}product:3", "{P}product:4", "{P}product:5", "{P}product:6"]}""", "keys", "MaxKeysPerRequest (5)" },
        { "unknown loader", """{"loader": "order", "ids": ["1"]}""", "loader", "not a configured loader" },
        { "loader not a string", """{"loader": 1, "ids": ["1"]}""", "loader", "JSON number" },
        { "ids without loader", """{"ids": ["1"]}""", "loader", "is missing" },
        { "loader without ids", """{"loader": "product"}""", "ids", "is missing" },
        { "empty ids", """{"loader": "product", "ids": []}""", "ids", "is empty" },
        { "too many ids", """{"loader": "product", "ids": ["1", "2", "3", "4", "5", "6"]}""", "ids", "MaxKeysPerRequest (5)" },
        { "an id not a string", """{"loader": "product", "ids": [1]}""", "ids[0]", "JSON number" },
        { "an empty id", """{"loader": "product", "ids": ["1", ""]}""", "ids[1]", "is empty" },
        { "an id making another loader's key", """{"loader": "product", "ids": ["1:reviews"]}""", "ids[0]", "loader \"reviews\" owns" },
        { "a string id for two parameters", """{"loader": "price", "ids": ["1"]}""", "ids[0]", "2 parameters" },
        { "an id missing a parameter", """{"loader": "price", "ids": [{"id": "1"}]}""", "ids[0].region", "is missing" },
        { "an id with an unknown parameter", """{"loader": "price", "ids": [{"region": "eu", "id": "1", "shop": "x"}]}""", "ids[0].shop", "not a parameter" },
        { "an id holding the separator", """{"loader": "price", "ids": [{"region": "e:u", "id": "1"}]}""", "ids[0]", "does not fit" },
        { "an id holding a tab", """{"loader": "product", "ids": ["1\t2"]}""", "ids[0]", "control character" },
        { "pattern not a string", """{"pattern": ["{P}product:*"]}""", "pattern", "JSON array" },
        { "pattern with an unclosed class", """{"pattern": "{P}product:[12"}""", "pattern", "not a valid glob" },
        { "pattern with an empty class", """{"pattern": "{P}product:[]"}""", "pattern", "not a valid glob" },
        { "pattern ending in an escape", """{"pattern": "{P}product:\\"}""", "pattern", "not a valid glob" },
        { "pattern overlapping no loader", """{"pattern": "{P}order:*"}""", "pattern", "can match no loader's keys" },
        { "pattern of every key", """{"pattern": "*"}""", "pattern", "not bounded by a loader's key prefix" },
        { "pattern of every key, twice", """{"pattern": "**"}""", "pattern", "not bounded by a loader's key prefix" },
        { "pattern of every non-empty key", """{"pattern": "?*"}""", "pattern", "not bounded by a loader's key prefix" },
        { "pattern of a class first", """{"pattern": "[a-z]*"}""", "pattern", "not bounded by a loader's key prefix" },
        { "pattern of every key under the prefix", """{"pattern": "{P}*"}""", "pattern", "such as \"{P}price:*\"" },
        { "pattern short of a loader's prefix", """{"pattern": "{P}prod*"}""", "pattern", "must start with the literal text of a loader's key" },
        { "empty pattern", """{"pattern": ""}""", "pattern", "is empty" },
        { "two ways at once", """{"keys": ["{P}product:1"], "pattern": "{P}product:*"}""", "body", "exactly one" },
        { "nothing to warm", """{}""", "body", "names no keys" },
        { "an unknown field", """{"keys": ["{P}product:1"], "force": true}""", "force", "not a field" },
        { "a field given twice", """{"keys": ["{P}product:1"], "keys": ["{P}product:2"]}""", "body", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_warm_request_gets_a_400_problem_naming_the_field_and_changes_nothing(string @case, string body, string field, string words)
    {
        var response = await worker.Client.PostWarmAsync(body.Replace("{P}", worker.Config.Prefix, StringComparison.Ordinal));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, @case);
        var problem = await response.JsonAsync();
        var messages = problem.GetProperty("errors").GetProperty(field);
        Assert.Contains(words.Replace("{P}", worker.Config.Prefix, StringComparison.Ordinal), messages[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith(field + ": ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wait_that_is_not_a_boolean_gets_a_400_naming_wait()
    {
        var response = await worker.Client.PostWarmAsync($$"""{"keys": ["{{worker.Config.Key(1)}}"]}""", "?wait=soon");

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "wait=soon");
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("wait", out _));
    }

    [Fact]
    public async Task A_body_over_MaxRequestBytes_gets_a_413_problem_with_or_without_a_content_length()
    {
        var keys = new List<string>();
        while (Encoding.UTF8.GetByteCount(string.Join(", ", keys)) <= SmallLimitsWorker.MaxBytes)
        {
            keys.Add($"\"{worker.Config.Key(keys.Count + 1)}\"");
        }

        // Over the API's limit, within the server's (twice as much), which it drains to answer cleanly.
        var body = $$"""{"keys": [{{string.Join(", ", keys)}}]}""";
        Assert.InRange(Encoding.UTF8.GetByteCount(body), SmallLimitsWorker.MaxBytes + 1, 2 * SmallLimitsWorker.MaxBytes);

        var sized = await worker.Client.PostWarmAsync(body);
        await AssertRefusedAsync(sized, HttpStatusCode.RequestEntityTooLarge, "with Content-Length");
        Assert.Contains("MaxRequestBytes", (await sized.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // No Content-Length: the body arrives chunked and the limit is found while reading.
        using var chunked = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(body)));
        chunked.Headers.ContentType = ApiCalls.Json;
        var streamed = await worker.Client.PostAsync("warm", chunked, TestContext.Current.CancellationToken);
        Assert.Null(streamed.RequestMessage?.Content?.Headers.ContentLength);
        await AssertRefusedAsync(streamed, HttpStatusCode.RequestEntityTooLarge, "chunked");
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_a_415()
    {
        using var content = new StringContent($$"""{"keys": ["{{worker.Config.Key(1)}}"]}""", Encoding.UTF8, "text/plain");

        var response = await worker.Client.PostAsync("warm", content, TestContext.Current.CancellationToken);

        await AssertRefusedAsync(response, HttpStatusCode.UnsupportedMediaType, "text/plain");
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string @case)
    {
        Assert.True(status == response.StatusCode, $"{@case}: expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        Assert.Equal("application/problem+json", response.MediaType());

        // The request was refused before a job existed, so nothing can be written later either.
        Assert.Equal(0, worker.Host.Get<WarmJobs>().Count);
        Assert.Empty(await ApiCalls.KeysAsync(worker.Redis.Connection, worker.Config.Prefix));
        Assert.Equal(0, await worker.Catalog.AttemptsAsync());
    }

    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
