using CacheWarmer.Contracts.Sampling;
using CacheWarmer.TestUtils;
using StackExchange.Redis;

namespace CacheWarmer.Contracts.Tests.Sampling;

public sealed class AccessSamplesParseTests(RedisFixture redis)
{
    [Fact]
    public void Stream_key_is_the_prefix_and_samples()
    {
        Assert.Equal("cw:samples", AccessSamples.StreamKey(AccessSamples.DefaultPrefix));
        Assert.Equal("app:samples", AccessSamples.StreamKey("app:"));
    }

    [Fact]
    public async Task Malformed_fields_written_by_hand_are_skipped_and_good_pairs_kept()
    {
        var stream = AccessSamples.StreamKey(redis.Prefix());
        var db = redis.Connection.GetDatabase();
        // Raw XADD, as an app in another language would send it, with every kind of bad field between good ones.
        await db.ExecuteAsync("XADD", stream, "MAXLEN", "~", AccessSamples.MaxLength, "*",
            "product:1", "12",
            "product:2", "twelve",
            "product:3", "-4",
            "", "5",
            "product:4", "0",
            "product:5", "1.5",
            "product:6", " 7",
            "product:8", "1000000001",
            "product:9", "99999999999999999999999",
            "product:7", "3");

        var entry = Assert.Single(await db.StreamRangeAsync(stream));
        var samples = AccessSamples.Parse(entry, out var rejected);

        Assert.Equal([new AccessSample("product:1", 12), new AccessSample("product:7", 3)], samples);
        Assert.Equal(8, rejected);
    }

    [Fact]
    public void An_entry_without_fields_parses_to_nothing()
    {
        Assert.Empty(AccessSamples.Parse(default));
        Assert.Empty(AccessSamples.Parse(new StreamEntry("1-0", [new NameValueEntry("k", RedisValue.Null)])));
    }
}
