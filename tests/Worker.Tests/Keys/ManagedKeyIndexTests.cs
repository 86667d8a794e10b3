using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Keys;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Tests.Coordination;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Tests.Keys;

public sealed class ManagedKeyIndexTests
{
    [Fact]
    public void Among_hot_keys_only_the_managed_ones_are_followed()
    {
        var index = Index(minRate: 10, capacity: 100);
        index.Add(Managed("product:1", DateTimeOffset.UnixEpoch));

        Assert.True(index.Wants("product:1"));
        Assert.False(index.Wants("product:2"));

        Assert.True(index.Remove("product:1"));
        Assert.False(index.Wants("product:1"));
    }

    [Fact]
    public void When_every_key_is_managed_every_key_is_followed_until_capacity_is_reached()
    {
        var index = Index(minRate: 0, capacity: 2);
        Assert.True(index.Wants("product:9"));

        index.Add(Managed("product:1", DateTimeOffset.UnixEpoch));
        index.Add(Managed("product:1", DateTimeOffset.UnixEpoch.AddSeconds(1)));
        Assert.True(index.Wants("product:9"));
        index.Add(Managed("product:2", DateTimeOffset.UnixEpoch));

        Assert.False(index.Wants("product:9"));
        Assert.True(index.Wants("product:2"));
        Assert.True(index.TryGetNextRefresh("product:1", out var next));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), next);
    }

    [Fact]
    public void Among_four_replicas_every_key_followed_is_one_this_replica_owns_or_stands_by_for()
    {
        var membership = TestMembership.Among(others: 3);
        var index = Index(minRate: 0, capacity: 100_000, membership);
        var keys = Enumerable.Range(0, 4000).Select(i => "product:" + i).ToList();

        var followed = keys.Where(index.Wants).ToList();

        Assert.All(followed, key => Assert.NotEqual(KeyRole.None, membership.RoleOf(key)));
        Assert.All(keys.Except(followed), key => Assert.Equal(KeyRole.None, membership.RoleOf(key)));
        Assert.InRange(followed.Count, 1800, 2200);

        // A managed key stays followed whatever its role (a pin asked of this replica).
        var notOurs = keys.Except(followed).First();
        index.Add(Managed(notOurs, DateTimeOffset.UnixEpoch));
        Assert.True(index.Wants(notOurs));
    }

    private LoaderCatalog? _catalog;

    private ManagedKeyIndex Index(double minRate, int capacity, ReplicaMembership? membership = null)
    {
        membership ??= TestMembership.Alone();
        var options = new CacheWarmerOptions();
        options.Loaders["product"] = new LoaderOptions { Key = "product:{id}", Source = "catalog", Query = "SELECT @id" };
        options.HotKeys.MinRatePerMinute = minRate;
        options.HotKeys.Capacity = capacity;
        _catalog = new LoaderCatalog(Options.Create(options.Loaders));
        return new ManagedKeyIndex(new HotKeyPolicy(_catalog, membership, Options.Create(options.HotKeys)), membership);
    }

    private ManagedKey Managed(string key, DateTimeOffset fireAt) =>
        new(key, _catalog!.Match(key)!.Loader, DateTimeOffset.UnixEpoch) { FireAt = fireAt };
}
