using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.Contracts.Tests.Keys;

public class KeyPatternParseTests
{
    [Theory]
    [InlineData("product:{id}", new[] { "id" })]
    [InlineData("price:{region}:{id}", new[] { "region", "id" })]
    [InlineData("user:{{{id}}}:profile", new[] { "id" })]
    [InlineData("{tenant_1}:orders:{orderId}", new[] { "tenant_1", "orderId" })]
    [InlineData("static:key", new string[0])]
    public void Parameters_are_listed_in_order(string text, string[] parameters)
    {
        var pattern = KeyPattern.Parse(text);

        Assert.Equal(parameters, pattern.Parameters);
        Assert.Equal(text, pattern.Text);
        Assert.Equal(text, pattern.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Empty_pattern_is_refused(string? text)
    {
        Assert.False(KeyPattern.TryParse(text, out var pattern, out var error));
        Assert.Null(pattern);
        Assert.Equal("the key pattern is empty; write one such as 'product:{id}'", error);
    }

    [Fact]
    public void Unclosed_brace_names_its_position()
    {
        var error = ParseError("product:{id");

        Assert.Equal("'product:{id' has an unclosed '{' at position 8; close the parameter or write '{{' for a literal brace", error);
    }

    [Fact]
    public void Unmatched_closing_brace_names_its_position()
    {
        var error = ParseError("product:id}");

        Assert.Equal("'product:id}' has an unmatched '}' at position 10; write '}}' for a literal brace", error);
    }

    [Theory]
    [InlineData("product:{}", "")]
    [InlineData("product:{1d}", "1d")]
    [InlineData("product:{_id}", "_id")]
    [InlineData("product:{product-id}", "product-id")]
    [InlineData("product:{a b}", "a b")]
    [InlineData("product:{a{b}", "a{b")]
    public void Bad_parameter_name_is_refused(string text, string name)
    {
        var error = ParseError(text);

        Assert.Equal(
            $"'{text}' has an invalid parameter name '{name}'; use letters, digits and '_', starting with a letter", error);
    }

    [Fact]
    public void Duplicate_parameter_is_refused()
    {
        var error = ParseError("pair:{id}:{id}");

        Assert.Equal("'pair:{id}:{id}' uses the parameter 'id' twice; give each parameter its own name", error);
    }

    [Fact]
    public void Adjacent_parameters_are_refused()
    {
        var error = ParseError("price:{region}{id}");

        Assert.Equal(
            "'price:{region}{id}' has parameters 'region' and 'id' side by side; put a separator such as ':' between them",
            error);
    }

    [Fact]
    public void Each_parse_error_has_its_own_message()
    {
        string?[] broken = ["", "a:{id", "a:id}", "a:{1}", "a:{id}:{id}", "a:{x}{y}"];

        var messages = broken.Select(text => KeyPattern.TryParse(text, out _, out var error) ? null : error).ToList();

        Assert.DoesNotContain(null, messages);
        Assert.Equal(messages.Count, messages.Distinct().Count());
    }

    [Fact]
    public void Parse_throws_FormatException_with_the_reason()
    {
        var exception = Assert.Throws<FormatException>(() => KeyPattern.Parse("product:{id"));

        Assert.Equal(ParseError("product:{id"), exception.Message);
    }

    private static string ParseError(string text)
    {
        Assert.False(KeyPattern.TryParse(text, out var pattern, out var error));
        Assert.Null(pattern);
        return error;
    }
}
