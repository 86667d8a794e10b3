using CacheWarmer.Contracts.Values;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Tests.Loaders;

public class LoaderCatalogTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void More_specific_pattern_wins_whatever_the_configuration_order(bool reviewsFirst)
    {
        // Named so that ordinal name order would pick the general loader first.
        (string Name, string Key)[] loaders = [("a-product", "product:{id}"), ("z-reviews", "product:{id}:reviews")];
        var catalog = Catalog(reviewsFirst ? [.. Enumerable.Reverse(loaders)] : loaders);

        var reviews = catalog.Match("product:1:reviews");
        var product = catalog.Match("product:1");

        Assert.NotNull(reviews);
        Assert.Equal("z-reviews", reviews.Loader.Name);
        Assert.Equal(["1"], reviews.Values);
        Assert.NotNull(product);
        Assert.Equal("a-product", product.Loader.Name);
        Assert.Equal(["1"], product.Values);
    }

    [Fact]
    public void General_pattern_still_owns_keys_the_specific_one_does_not_match()
    {
        var catalog = Catalog(("product", "product:{id}"), ("reviews", "product:{id}:reviews"));

        var match = catalog.Match("product:1:questions");

        Assert.NotNull(match);
        Assert.Equal("product", match.Loader.Name);
        Assert.Equal(["1:questions"], match.Values);
    }

    [Theory]
    [InlineData("order:1")]
    [InlineData("product:")]
    [InlineData("product")]
    [InlineData("Product:1")]
    [InlineData("price:eu")]
    [InlineData("")]
    public void Key_no_loader_owns_matches_nothing(string key)
    {
        var catalog = Catalog(("product", "product:{id}"), ("reviews", "product:{id}:reviews"), ("price", "price:{region}:{id}"));

        Assert.Null(catalog.Match(key));
    }

    [Fact]
    public void Match_carries_the_key_and_one_value_per_parameter()
    {
        var catalog = Catalog(("product", "product:{id}"), ("price", "price:{region}:{id}"));

        var match = catalog.Match("price:eu:42");

        Assert.NotNull(match);
        Assert.Equal("price", match.Loader.Name);
        Assert.Equal("price:eu:42", match.Key);
        Assert.Equal(["region", "id"], match.Loader.Pattern.Parameters);
        Assert.Equal(["eu", "42"], match.Values);
    }

    [Fact]
    public void Loader_carries_its_configured_source_query_shape_and_ttl()
    {
        var options = new CacheWarmerOptions();
        options.Loaders["category"] = new LoaderOptions
        {
            Key = "category:{id}",
            Source = "catalog",
            Query = "SELECT id, name FROM products WHERE category = @id",
            Result = "rows",
            Ttl = TimeSpan.FromMinutes(10),
            TtlJitter = TimeSpan.FromSeconds(7),
        };

        var loader = new LoaderCatalog(Options.Create(options.Loaders)).Loaders["category"];

        Assert.Equal("catalog", loader.Source);
        Assert.Equal("SELECT id, name FROM products WHERE category = @id", loader.Query);
        Assert.Equal(CacheValueShape.Rows, loader.Shape);
        Assert.Equal(TimeSpan.FromMinutes(10), loader.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(7), loader.TtlJitter);
    }

    [Fact]
    public void KeyFor_makes_the_key_and_refuses_values_that_do_not_read_back_as_the_same_loader()
    {
        var catalog = Catalog(("product", "product:{id}"), ("reviews", "product:{id}:reviews"));
        var product = catalog.Loaders["product"];

        Assert.Equal("product:7", catalog.KeyFor(product, ["7"], out var key, out _)?.Key);
        Assert.Equal("product:7", key);

        Assert.Null(catalog.KeyFor(product, [""], out key, out var reason));
        Assert.Null(key);
        Assert.Contains("is empty", reason, StringComparison.Ordinal);

        // "7:reviews" makes a key the more specific loader owns.
        Assert.Null(catalog.KeyFor(product, ["7:reviews"], out key, out reason));
        Assert.Equal("product:7:reviews", key);
        Assert.Equal("it makes the key \"product:7:reviews\", which loader \"reviews\" owns", reason);
    }

    private static LoaderCatalog Catalog(params (string Name, string Key)[] loaders)
    {
        var options = new CacheWarmerOptions();
        foreach (var (name, key) in loaders)
        {
            options.Loaders[name] = new LoaderOptions { Key = key, Source = "catalog", Query = "SELECT 1" };
        }

        return new LoaderCatalog(Options.Create(options.Loaders));
    }
}
