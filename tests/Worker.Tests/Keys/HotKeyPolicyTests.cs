using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Keys;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Tests.Coordination;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.Worker.Tests.Keys;

public sealed class HotKeyPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_loader_key_enters_when_the_low_end_of_its_estimate_reaches_the_threshold()
    {
        var (policy, _) = Policy(minRate: 5);
        var managed = new Dictionary<string, ManagedKey>();

        var decision = policy.Decide(
        [
            new("product:1", 10, 0),
            new("product:2", 10, 6),   // could be as low as 4: Space-Saving's newcomer over-count
            new("other:3", 50, 0),     // matches no loader
            new("product:4", 5, 0),
        ], managed, Now);

        Assert.Equal(["product:1", "product:4"], decision.Enter.Select(e => e.Key));
        Assert.All(decision.Enter, e => Assert.Equal("product", e.Loader.Name));
        Assert.Empty(decision.Leave);
    }

    [Fact]
    public void No_more_keys_enter_than_capacity_allows_and_the_hottest_go_first()
    {
        var (policy, catalog) = Policy(minRate: 1, capacity: 3);
        var managed = new Dictionary<string, ManagedKey> { ["product:9"] = new("product:9", catalog.Loaders["product"], Now) };

        // The model answers in no particular order.
        var decision = policy.Decide([new("product:3", 10, 0), new("product:1", 30, 0), new("product:2", 20, 0)], managed, Now);

        Assert.Equal(["product:1", "product:2"], decision.Enter.Select(e => e.Key));
    }

    [Fact]
    public void A_managed_key_stays_while_its_rate_is_at_least_half_the_threshold_and_leaves_after_cooling_down_below_it()
    {
        var (policy, catalog) = Policy(minRate: 10, coolDown: TimeSpan.FromMinutes(2));
        var key = new ManagedKey("product:1", catalog.Loaders["product"], Now);
        var managed = new Dictionary<string, ManagedKey> { ["product:1"] = key };

        // At half the threshold it is still hot, however long that lasts.
        var at = Now.AddMinutes(10);
        Assert.Empty(policy.Decide([new("product:1", 5, 0)], managed, at).Leave);
        Assert.Equal(at, key.LastHot);

        // Below half, it cools; it leaves once CoolDown has passed since it was last hot.
        Assert.Empty(policy.Decide([new("product:1", 4.9, 0)], managed, at.AddSeconds(119)).Leave);
        Assert.Equal(["product:1"], policy.Decide([new("product:1", 4.9, 0)], managed, at.AddSeconds(120)).Leave);

        // A key the model no longer tracks reads zero and cools the same way.
        Assert.Equal(["product:1"], policy.Decide([], managed, at.AddSeconds(120)).Leave);
    }

    [Fact]
    public void A_pinned_key_stays_until_its_pin_ends_and_then_cools_down_like_any_other()
    {
        var (policy, catalog) = Policy(minRate: 10, coolDown: TimeSpan.FromMinutes(1));
        var key = new ManagedKey("product:1", catalog.Loaders["product"], Now) { PinnedUntil = Now.AddHours(1) };
        var managed = new Dictionary<string, ManagedKey> { ["product:1"] = key };

        Assert.Empty(policy.Decide([], managed, Now.AddMinutes(60)).Leave);
        Assert.Empty(policy.Decide([], managed, Now.AddMinutes(61).AddSeconds(-1)).Leave);
        Assert.Equal(["product:1"], policy.Decide([], managed, Now.AddMinutes(61)).Leave);
    }

    [Fact]
    public void With_a_threshold_of_zero_every_loader_key_is_managed_and_none_cools_down()
    {
        var (policy, catalog) = Policy(minRate: 0, coolDown: TimeSpan.FromSeconds(1));
        var managed = new Dictionary<string, ManagedKey> { ["product:1"] = new("product:1", catalog.Loaders["product"], Now) };

        var decision = policy.Decide([new("product:2", 0.01, 0.01)], managed, Now.AddDays(1));

        Assert.True(policy.ManagesEveryKey);
        Assert.Equal(["product:2"], decision.Enter.Select(e => e.Key));
        Assert.Empty(decision.Leave);
    }

    [Fact]
    public void A_key_whose_rate_wavers_around_the_threshold_enters_once_never_flaps_and_leaves_once_after_its_reads_stop()
    {
        // Reads arrive every second at a rate that swings 40% either side of the threshold (60/min) every 90 s.
        var time = new FakeTimeProvider(Now);
        var (policy, _) = Policy(minRate: 60, coolDown: TimeSpan.FromMinutes(1));
        var halfLife = TimeSpan.FromSeconds(30);
        var model = new HotKeyModel(Options.Create(new HotKeyOptions { HalfLife = halfLife }), time);
        var managed = new Dictionary<string, ManagedKey>();
        var entered = new List<TimeSpan>();
        var left = new List<TimeSpan>();
        var readsStop = TimeSpan.FromMinutes(30);
        var due = 0.0;
        for (var second = 1; second <= 45 * 60; second++)
        {
            var elapsed = TimeSpan.FromSeconds(second);
            time.Advance(TimeSpan.FromSeconds(1));
            if (elapsed <= readsStop)
            {
                due += 1 + (0.4 * Math.Sin(2 * Math.PI * second / 90));
                if (due >= 1)
                {
                    model.AddSamples([new("product:1", (long)due)], time.GetUtcNow());
                    due -= (long)due;
                }
            }

            var decision = policy.Decide(model.Above(policy.ExitRate), managed, time.GetUtcNow());
            foreach (var (key, loader) in decision.Enter)
            {
                managed[key] = new ManagedKey(key, loader, time.GetUtcNow());
                entered.Add(elapsed);
            }

            foreach (var key in decision.Leave)
            {
                managed.Remove(key);
                left.Add(elapsed);
            }
        }

        Assert.Single(entered);
        var leftAt = Assert.Single(left);

        // After the reads stop the rate (at most 84/min) falls under 30/min within 1.5 half-lives; then CoolDown.
        Assert.InRange(leftAt - readsStop, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1) + (halfLife * 1.5) + TimeSpan.FromSeconds(2));
    }

    private static (HotKeyPolicy Policy, LoaderCatalog Catalog) Policy(double minRate, int capacity = 100, TimeSpan? coolDown = null)
    {
        var options = new CacheWarmerOptions();
        options.Loaders["product"] = new LoaderOptions { Key = "product:{id}", Source = "catalog", Query = "SELECT @id" };
        options.HotKeys.MinRatePerMinute = minRate;
        options.HotKeys.Capacity = capacity;
        options.HotKeys.CoolDown = coolDown ?? TimeSpan.FromMinutes(5);
        var catalog = new LoaderCatalog(Options.Create(options.Loaders));
        return (new HotKeyPolicy(catalog, TestMembership.Alone(), Options.Create(options.HotKeys)), catalog);
    }
}
