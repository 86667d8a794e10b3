using CacheWarmer.Contracts.Values;
using CacheWarmer.Worker.Configuration;
using static CacheWarmer.Worker.Tests.Configuration.CacheWarmerOptionsValidatorTests;

namespace CacheWarmer.Worker.Tests.Configuration;

public class EnumSettingTests
{
    [Theory]
    [InlineData("rows", CacheValueShape.Rows)]
    [InlineData(" Scalar ", CacheValueShape.Scalar)]
    public void Check_returns_the_member_named_in_any_case_and_adds_no_failure(string text, CacheValueShape expected)
    {
        var failures = new List<string>();

        var shape = EnumSetting.Check<CacheValueShape>(text, failures, "bad");

        Assert.Equal(expected, shape);
        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("Table")]
    [InlineData("1")]
    [InlineData("Rows,Scalar")]
    [InlineData("")]
    [InlineData(null)]
    public void Check_refuses_what_names_no_single_member_with_the_given_failure(string? text)
    {
        var failures = new List<string>();

        var shape = EnumSetting.Check<CacheValueShape>(text, failures, "Result is bad");

        Assert.Null(shape);
        Assert.Equal(["Result is bad"], failures);
    }

    [Fact]
    public void Parse_accepts_what_Check_accepts_and_throws_on_what_it_refuses()
    {
        Assert.Equal(ValueFormat.FusionCache, EnumSetting.Parse<ValueFormat>("fusioncache"));
        Assert.Throws<InvalidOperationException>(() => EnumSetting.Parse<ValueFormat>("2"));
    }

    [Fact]
    public void Names_lists_the_members_in_declaration_order() =>
        Assert.Equal("Sqlite, Postgres, MySql", EnumSetting.Names<SourceProvider>());

    [Fact]
    public void Enum_setting_messages_are_word_for_word_what_they_were()
    {
        var configuration = With(Valid(), "Sources:catalog:Provider", "Oracle");
        configuration = With(configuration, "Loaders:product:Result", "Table");

        var failures = Validate(configuration).Failures?.ToList() ?? [];

        Assert.Contains("CacheWarmer:Sources:catalog:Provider \"Oracle\" is not supported: use one of Sqlite, Postgres, MySql.", failures);
        Assert.Contains("CacheWarmer:Loaders:product:Result \"Table\" is not a result shape: use Row, Rows or Scalar.", failures);
    }
}
