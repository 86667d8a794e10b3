using static CacheWarmer.Worker.Tests.Configuration.CacheWarmerOptionsValidatorTests;

namespace CacheWarmer.Worker.Tests.Configuration;

/// <summary>A loader's BatchQuery and the batch settings are checked at start, each failure naming the setting and its fix.</summary>
public class BatchQueryValidationTests
{
    [Theory]
    [InlineData("Sqlite", "SELECT id, name, price FROM products WHERE id IN @ids")]
    [InlineData("MySql", "SELECT id, name, price FROM products WHERE id in :ids ORDER BY id")]
    [InlineData("Postgres", "SELECT id, name, price FROM products WHERE id = ANY(@ids)")]
    public void A_batch_query_in_its_providers_list_form_passes(string provider, string batchQuery)
    {
        var result = Validate(Batch(provider, batchQuery));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_batch_query_without_the_plural_parameter_fails_naming_it()
    {
        var result = Validate(Batch("Sqlite", "SELECT id, name, price FROM products WHERE id IN @id"));

        Assert.False(result.Succeeded);
        Assert.Contains("CacheWarmer:Loaders:product:BatchQuery does not use @ids, the list of the keys' id values", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("CacheWarmer:Loaders:product:BatchQuery uses @id, which a batch does not bind", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_query_for_a_pattern_of_two_parameters_is_refused()
    {
        var settings = With(Batch("Sqlite", "SELECT region, id, price FROM prices WHERE id IN @ids"), "Loaders:product:Key", "price:{region}:{id}");
        settings = With(settings, "Loaders:product:Query", "SELECT region, id, price FROM prices WHERE region = @region AND id = @id");

        var result = Validate(settings);

        Assert.False(result.Succeeded);
        Assert.Contains("Key \"price:{region}:{id}\" has 2 parameters (region, id)", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("remove BatchQuery", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void IN_ids_on_PostgreSQL_fails_and_asks_for_ANY()
    {
        var result = Validate(Batch("Postgres", "SELECT id, name, price FROM products WHERE id IN (@ids)"));

        Assert.False(result.Succeeded);
        Assert.Contains("is PostgreSQL, which takes the list as one array parameter: write \"WHERE id = ANY(@ids)\"", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT id, name, price FROM products WHERE id IN (@ids)")]
    [InlineData("SELECT id, name, price FROM products WHERE id = ANY(@ids)")]
    public void A_list_form_Dapper_cannot_expand_fails_on_Sqlite(string batchQuery)
    {
        var result = Validate(Batch("Sqlite", batchQuery));

        Assert.False(result.Succeeded);
        Assert.Contains("must filter with \"IN @ids\" (no parentheses) on source \"catalog\" (Sqlite)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_query_with_a_Scalar_result_is_refused()
    {
        var result = Validate(With(Batch("Sqlite", "SELECT id, price FROM products WHERE id IN @ids"), "Loaders:product:Result", "Scalar"));

        Assert.False(result.Succeeded);
        Assert.Contains("BatchQuery is set, and Result is Scalar", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Refresh:MaxBatchSize", "0", "CacheWarmer:Refresh:MaxBatchSize is 0: use a number of keys from 1")]
    [InlineData("Refresh:MaxBatchSize", "1001", "CacheWarmer:Refresh:MaxBatchSize is 1001")]
    [InlineData("Refresh:BatchWindow", "00:00:02", "CacheWarmer:Refresh:BatchWindow is 00:00:02: use 00:00:00 to 00:00:01")]
    [InlineData("Refresh:BatchWindow", "-00:00:01", "CacheWarmer:Refresh:BatchWindow is -00:00:01")]
    public void Batch_settings_out_of_range_fail_naming_the_setting(string setting, string value, string message)
    {
        var result = Validate(With(Valid(), setting, value));

        Assert.False(result.Succeeded);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Batch(string provider, string batchQuery) =>
        With(With(Valid(), "Sources:catalog:Provider", provider), "Loaders:product:BatchQuery", batchQuery);
}
