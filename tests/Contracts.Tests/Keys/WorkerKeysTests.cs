using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.Contracts.Tests.Keys;

public class WorkerKeysTests
{
    [Theory]
    [InlineData("product:42", "cw:lease:{product:42}")]
    [InlineData("user:{42}:profile", "cw:lease:user:{42}:profile")]
    [InlineData("{tenant}:order:7", "cw:lease:{tenant}:order:7")]
    public void Lease_wraps_a_tagless_key_and_reuses_an_existing_hash_tag(string key, string lease)
    {
        Assert.Equal(lease, WorkerKeys.Lease(WorkerKeys.DefaultPrefix, key));
    }

    [Fact]
    public void Stale_marker_follows_the_same_rule()
    {
        Assert.Equal("app:stale:{product:42}", WorkerKeys.Stale("app:", "product:42"));
        Assert.Equal("app:stale:user:{42}", WorkerKeys.Stale("app:", "user:{42}"));
    }

    [Theory]
    [InlineData("user:{42}", true)]
    [InlineData("{a}", true)]
    [InlineData("a{b}c{d}", true)]
    [InlineData("product:42", false)]
    [InlineData("odd:{}:key", false)]
    [InlineData("open:{only", false)]
    [InlineData("close:only}", false)]
    public void HasHashTag_follows_the_cluster_rule(string key, bool expected)
    {
        Assert.Equal(expected, WorkerKeys.HasHashTag(key));
    }

    [Fact]
    public void Beacon_names_replica_and_server_and_lands_on_the_slot_asked_for()
    {
        Assert.Equal("cw:beacon:web-1-ab12cd@10.0.0.5:6379", WorkerKeys.Beacon("cw:", "web-1-ab12cd", "10.0.0.5:6379"));
        foreach (var slot in new[] { 0, 866, 12182, 16383 })
        {
            var key = WorkerKeys.Beacon("cw:", "web-1-ab12cd", "10.0.0.5:6379", slot);
            Assert.StartsWith(WorkerKeys.BeaconPrefix("cw:"), key, StringComparison.Ordinal);
            Assert.Equal(slot, ClusterSlot.Of(key));
        }
    }

    [Fact]
    public void Cluster_slot_oracle_agrees_with_redis()
    {
        // Expected values are what CLUSTER KEYSLOT answers on Redis 7.
        Assert.Equal(12182, ClusterSlot.Of("foo"));
        Assert.Equal(866, ClusterSlot.Of("hello"));
        Assert.Equal(12739, ClusterSlot.Of("123456789"));
        Assert.Equal(7937, ClusterSlot.Of("odd:{}:key"));
        Assert.Equal(ClusterSlot.Of("user1000"), ClusterSlot.Of("{user1000}.following"));
    }

    [Theory]
    [InlineData("product:42")]
    [InlineData("user:{42}:profile")]
    [InlineData("a{b}c{d}")]
    [InlineData("open:{only")]
    [InlineData("price:eu:1:2")]
    public void Lease_hashes_to_the_slot_of_its_key(string key)
    {
        Assert.Equal(ClusterSlot.Of(key), ClusterSlot.Of(WorkerKeys.Lease(WorkerKeys.DefaultPrefix, key)));
        Assert.Equal(ClusterSlot.Of(key), ClusterSlot.Of(WorkerKeys.Stale(WorkerKeys.DefaultPrefix, key)));
    }

    [Theory]
    [InlineData("close:only}")]
    [InlineData("odd:{}:key")]
    [InlineData("{}{x}")]
    public void Lease_of_a_tagless_key_with_a_closing_brace_hashes_to_the_slot_of_its_key(string key)
    {
        Assert.Equal(ClusterSlot.Of(key), ClusterSlot.Of(WorkerKeys.Lease(WorkerKeys.DefaultPrefix, key)));
        Assert.Equal(ClusterSlot.Of(key), ClusterSlot.Of(WorkerKeys.Stale(WorkerKeys.DefaultPrefix, key)));
        Assert.EndsWith(key, WorkerKeys.Lease(WorkerKeys.DefaultPrefix, key), StringComparison.Ordinal);
    }
}
