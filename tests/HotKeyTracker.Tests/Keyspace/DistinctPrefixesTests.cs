using CacheWarmer.Contracts.Keys;
using CacheWarmer.HotKeyTracker.Keyspace;

namespace CacheWarmer.HotKeyTracker.Tests.Keyspace;

public sealed class DistinctPrefixesTests
{
    [Fact]
    public void A_prefix_covered_by_a_shorter_one_is_not_subscribed_twice()
    {
        var patterns = new[] { "product:{id}", "product:{id}:reviews", "product:eu:{id}", "price:{region}:{id}", "user:{{{id}}}" }
            .Select(KeyPattern.Parse);

        var prefixes = KeyspaceListener.DistinctPrefixes(patterns).ToList();

        Assert.Equal(["product:", "price:", "user:{"], prefixes.OrderByDescending(p => p.Length).ThenBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public void A_pattern_starting_with_a_parameter_subscribes_to_every_key()
    {
        var prefixes = KeyspaceListener.DistinctPrefixes([KeyPattern.Parse("{tenant}:product:{id}"), KeyPattern.Parse("product:{id}")]).ToList();

        Assert.Equal([""], prefixes);
    }
}
