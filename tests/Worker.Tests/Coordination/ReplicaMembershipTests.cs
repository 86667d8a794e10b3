using CacheWarmer.Worker.Coordination;

namespace CacheWarmer.Worker.Tests.Coordination;

public sealed class ReplicaMembershipTests
{
    [Fact]
    public void Until_the_first_beat_a_replica_owns_every_key()
    {
        var membership = Membership(partition: true, out _);

        Assert.Single(membership.Current.Ids);
        Assert.Equal(KeyRole.Owner, membership.RoleOf("product:1"));
        Assert.False(membership.Changes.TryRead(out _));
    }

    [Fact]
    public void A_new_set_of_members_is_announced_once()
    {
        var membership = Membership(partition: true, out var self);

        membership.Update([self, "other-1-ffffff"]);
        membership.Update(["other-1-ffffff", self]);

        Assert.True(membership.Changes.TryRead(out var changed));
        Assert.Equal(2, changed.Ids.Count);
        Assert.False(membership.Changes.TryRead(out _));
        Assert.Same(changed, membership.Current);
    }

    [Fact]
    public void The_reader_gets_the_latest_set_when_it_is_behind()
    {
        var membership = Membership(partition: true, out var self);

        membership.Update([self, "other-1-ffffff"]);
        membership.Update([self, "other-1-ffffff", "other-2-eeeeee"]);

        Assert.True(membership.Changes.TryRead(out var changed));
        Assert.Equal(3, changed.Ids.Count);
        Assert.False(membership.Changes.TryRead(out _));
    }

    [Fact]
    public void Among_several_replicas_some_keys_are_left_to_others()
    {
        var membership = Membership(partition: true, out var self);
        membership.Update([self, "other-1-ffffff", "other-2-eeeeee", "other-3-dddddd"]);

        var roles = Enumerable.Range(0, 4000).Select(i => membership.RoleOf("product:" + i)).ToList();

        Assert.InRange(roles.Count(r => r == KeyRole.Owner), 800, 1200);
        Assert.InRange(roles.Count(r => r == KeyRole.None), 1800, 2200);
    }

    [Fact]
    public void With_partition_off_every_replica_owns_every_key()
    {
        var membership = Membership(partition: false, out var self);
        membership.Update([self, "other-1-ffffff", "other-2-eeeeee", "other-3-dddddd"]);

        Assert.All(Enumerable.Range(0, 1000), i => Assert.Equal(KeyRole.Owner, membership.RoleOf("product:" + i)));
    }

    private static ReplicaMembership Membership(bool partition, out string self) => TestMembership.Alone(partition, out self);
}
