using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.Contracts.Tests.Keys;

public class KeyPatternTextTests
{
    [Theory]
    [InlineData("product:{id}", "product:*")]
    [InlineData("price:{region}:{id}", "price:*:*")]
    [InlineData("user:{{{id}}}:profile", "user:{*}:profile")]
    [InlineData(@"a*b?c[d]e\f:{id}", @"a\*b\?c\[d\]e\\f:*")]
    [InlineData("{id}:x*", @"*:x\*")]
    [InlineData("static:key", "static:key")]
    public void Glob_escapes_redis_wildcards_and_turns_parameters_into_stars(string text, string glob)
    {
        Assert.Equal(glob, KeyPattern.Parse(text).Glob);
    }

    [Theory]
    [InlineData("product:{id}", "product:")]
    [InlineData("price:{region}:{id}", "price:")]
    [InlineData("user:{{{id}}}:profile", "user:{")]
    [InlineData("{tenant}:order:{id}", "")]
    [InlineData("static:key", "static:key")]
    public void LiteralPrefix_is_the_text_before_the_first_parameter(string text, string prefix)
    {
        Assert.Equal(prefix, KeyPattern.Parse(text).LiteralPrefix);
    }

    [Theory]
    [InlineData("product:{id}", new[] { "42" }, "product:42")]
    [InlineData("price:{region}:{id}", new[] { "eu", "1:2" }, "price:eu:1:2")]
    [InlineData("user:{{{id}}}:profile", new[] { "42" }, "user:{42}:profile")]
    [InlineData("static:key", new string[0], "static:key")]
    public void Format_builds_the_key_that_matches_back(string text, string[] values, string key)
    {
        var pattern = KeyPattern.Parse(text);

        var formatted = pattern.Format(values);

        Assert.Equal(key, formatted);
        Assert.True(pattern.TryMatch(formatted, out var matched));
        Assert.Equal(values, matched);
    }

    [Fact]
    public void Format_refuses_the_wrong_number_of_values()
    {
        var pattern = KeyPattern.Parse("price:{region}:{id}");

        var exception = Assert.Throws<ArgumentException>(() => pattern.Format("eu"));

        Assert.StartsWith("'price:{region}:{id}' takes 2 values, not 1.", exception.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Format_refuses_an_empty_value(string? value)
    {
        var pattern = KeyPattern.Parse("product:{id}");

        var exception = Assert.Throws<ArgumentException>(() => pattern.Format(value!));

        Assert.StartsWith("The value of 'id' in 'product:{id}' is empty.", exception.Message);
    }

    [Fact]
    public void Format_refuses_a_value_holding_the_separator_that_ends_its_parameter()
    {
        var pattern = KeyPattern.Parse("price:{region}:{id}");

        var exception = Assert.Throws<ArgumentException>(() => pattern.Format("eu:x", "1"));

        Assert.Contains("region", exception.Message, StringComparison.Ordinal);
        Assert.Equal("price:eu:x:1", pattern.Format("eu", "x:1"));
    }
}
