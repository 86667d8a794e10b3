using CacheWarmer.Worker.Coordination;

namespace CacheWarmer.Worker.Tests.Coordination;

public sealed class ReplicaSetTests
{
    private static readonly string[] Four = ["host-1-aaaaaa", "host-2-bbbbbb", "host-3-cccccc", "host-4-dddddd"];

    private static readonly string[] Keys = Enumerable.Range(0, 40_000).Select(i => "product:" + i).ToArray();

    [Fact]
    public void A_replica_alone_owns_every_key()
    {
        var alone = new ReplicaSet([], "host-1-aaaaaa");

        Assert.Equal(["host-1-aaaaaa"], alone.Ids);
        Assert.All(Keys.Take(1000), key => Assert.Equal(KeyRole.Owner, alone.RoleOf(key)));
    }

    [Fact]
    public void Every_key_has_one_owner_and_one_standby_and_each_replica_owns_about_a_quarter()
    {
        var views = Four.Select(self => new ReplicaSet(Four, self)).ToArray();
        var owned = new int[Four.Length];
        var stoodBy = new int[Four.Length];
        foreach (var key in Keys)
        {
            var roles = views.Select(v => v.RoleOf(key)).ToArray();
            Assert.Single(roles, r => r == KeyRole.Owner);
            Assert.Single(roles, r => r == KeyRole.Standby);
            owned[Array.IndexOf(roles, KeyRole.Owner)]++;
            stoodBy[Array.IndexOf(roles, KeyRole.Standby)]++;
        }

        // 10,000 expected each; the binomial standard deviation is about 87.
        Assert.All(owned, n => Assert.InRange(n, 9_500, 10_500));
        Assert.All(stoodBy, n => Assert.InRange(n, 9_500, 10_500));
    }

    [Fact]
    public void When_a_replica_leaves_its_keys_go_to_their_standby_and_no_other_key_moves()
    {
        var before = Four.ToDictionary(self => self, self => new ReplicaSet(Four, self));
        var rest = Four[1..];
        var after = rest.ToDictionary(self => self, self => new ReplicaSet(rest, self));
        var moved = 0;
        foreach (var key in Keys)
        {
            var ownerBefore = Four.Single(r => before[r].RoleOf(key) == KeyRole.Owner);
            var standbyBefore = Four.Single(r => before[r].RoleOf(key) == KeyRole.Standby);
            var ownerAfter = rest.Single(r => after[r].RoleOf(key) == KeyRole.Owner);
            if (ownerBefore == Four[0])
            {
                Assert.Equal(standbyBefore, ownerAfter);
                moved++;
            }
            else
            {
                Assert.Equal(ownerBefore, ownerAfter);
            }
        }

        Assert.InRange(moved, 9_500, 10_500);
    }

    [Fact]
    public void A_replica_that_joins_takes_keys_only_for_itself_about_a_fifth()
    {
        var five = Four.Append("host-5-eeeeee").ToArray();
        var before = Four.ToDictionary(self => self, self => new ReplicaSet(Four, self));
        var after = five.ToDictionary(self => self, self => new ReplicaSet(five, self));
        var taken = 0;
        foreach (var key in Keys)
        {
            var ownerBefore = Four.Single(r => before[r].RoleOf(key) == KeyRole.Owner);
            var ownerAfter = five.Single(r => after[r].RoleOf(key) == KeyRole.Owner);
            if (ownerAfter != ownerBefore)
            {
                Assert.Equal("host-5-eeeeee", ownerAfter);

                // The former owner stands by for the key it handed over, so it still tracks it.
                Assert.Equal(KeyRole.Standby, after[ownerBefore].RoleOf(key));
                taken++;
            }
        }

        Assert.InRange(taken, 7_600, 8_400);
    }

    [Fact]
    public void Every_replica_computes_the_same_roles_from_the_members_in_any_order()
    {
        var shuffled = new ReplicaSet([Four[2], Four[0], Four[3], Four[1]], Four[1]);
        var sorted = new ReplicaSet(Four, Four[1]);

        Assert.True(shuffled.SameMembers(sorted));
        Assert.All(Keys.Take(2000), key => Assert.Equal(sorted.RoleOf(key), shuffled.RoleOf(key)));
    }

    [Fact]
    public void Long_and_non_ascii_keys_get_a_role_too()
    {
        var views = Four.Select(self => new ReplicaSet(Four, self)).ToArray();
        string[] keys = ["product:" + new string('x', 5000), "product:größe-€", "product:"];

        Assert.All(keys, key => Assert.Single(views, v => v.RoleOf(key) == KeyRole.Owner));
    }
}
