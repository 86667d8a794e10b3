using CacheWarmer.Worker.Http;

namespace CacheWarmer.Worker.Tests.Http;

public class RedisGlobTests
{
    [Theory]
    [InlineData("product:*", "product:")]
    [InlineData("product:1", "product:1")]
    [InlineData("product:?", "product:")]
    [InlineData("product:[0-9]*", "product:")]
    [InlineData("product:[^a]", "product:")]
    [InlineData(@"price\*:*", "price*:")]
    [InlineData(@"a\[b]:*", "a[b]:")]
    [InlineData("*", "")]
    public void A_well_formed_glob_gives_the_text_every_match_starts_with(string glob, string prefix)
    {
        Assert.True(RedisGlob.TryParse(glob, out var literalPrefix, out var error), error);
        Assert.Equal(prefix, literalPrefix);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData(@"product:\", "lone '\\'")]
    [InlineData("product:[12", "position 8")]
    [InlineData("product:[]", "position 8")]
    [InlineData("product:[^", "position 8")]
    [InlineData("[]]", "position 0")]
    public void A_malformed_glob_is_refused_saying_why(string glob, string words)
    {
        Assert.False(RedisGlob.TryParse(glob, out _, out var error));
        Assert.Contains(words, error, StringComparison.Ordinal);
    }
}
