using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.Contracts.Tests.Keys;

public class KeyPatternMatchTests
{
    [Theory]
    [InlineData("product:{id}", "product:42", new[] { "42" })]
    [InlineData("product:{id}", "product:a:b", new[] { "a:b" })]
    [InlineData("product:{id}", "product:' OR 1=1 --", new[] { "' OR 1=1 --" })]
    [InlineData("price:{region}:{id}", "price:eu:1", new[] { "eu", "1" })]
    [InlineData("price:{region}:{id}", "price:eu:1:2", new[] { "eu", "1:2" })]
    [InlineData("user:{{{id}}}:profile", "user:{42}:profile", new[] { "42" })]
    [InlineData("user:{{{id}}}:profile", "user:{a}:profile}:profile", new[] { "a}:profile" })]
    [InlineData("{tenant}:order:{id}:v1", "acme:order:7:x:v1", new[] { "acme", "7:x" })]
    [InlineData("{id}", "anything:at:all", new[] { "anything:at:all" })]
    [InlineData("static:key", "static:key", new string[0])]
    public void Matching_key_yields_one_value_per_parameter(string text, string key, string[] expected)
    {
        var pattern = KeyPattern.Parse(text);

        Assert.True(pattern.TryMatch(key, out var values));
        Assert.Equal(expected, values);
    }

    [Theory]
    [InlineData("product:{id}", "product:")]
    [InlineData("product:{id}", "product")]
    [InlineData("product:{id}", "products:1")]
    [InlineData("product:{id}", "PRODUCT:1")]
    [InlineData("product:{id}", "")]
    [InlineData("price:{region}:{id}", "price:eu")]
    [InlineData("price:{region}:{id}", "price:eu:")]
    [InlineData("price:{region}:{id}", "price::1")]
    [InlineData("price:{region}:{id}", "price:")]
    [InlineData("user:{{{id}}}:profile", "user:{42}")]
    [InlineData("user:{{{id}}}:profile", "user:{42}:profil")]
    [InlineData("user:{{{id}}}:profile", "user:{}:profile")]
    [InlineData("user:{{{id}}}:profile", "user:42:profile")]
    [InlineData("{tenant}:order:{id}:v1", ":order:7:v1")]
    [InlineData("{tenant}:order:{id}:v1", "acme:order::v1")]
    [InlineData("static:key", "static:key2")]
    public void Key_that_does_not_fit_is_not_matched(string text, string key)
    {
        var pattern = KeyPattern.Parse(text);

        Assert.False(pattern.TryMatch(key, out var values));
        Assert.Null(values);
    }
}
