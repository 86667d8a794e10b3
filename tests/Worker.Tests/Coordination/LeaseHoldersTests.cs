using CacheWarmer.Worker.Coordination;

namespace CacheWarmer.Worker.Tests.Coordination;

public sealed class LeaseHoldersTests
{
    [Fact]
    public void Every_attempt_gets_its_own_value_naming_its_replica()
    {
        var first = LeaseHolders.NewValue("host-42-a1b2c3");
        var second = LeaseHolders.NewValue("host-42-a1b2c3");

        Assert.NotEqual(first, second);
        Assert.Equal("host-42-a1b2c3", LeaseHolders.ReplicaOf(first));
        Assert.Equal("host-42-a1b2c3", LeaseHolders.ReplicaOf(second));
    }

    [Theory]
    [InlineData("a:b:0011", "a:b")]
    [InlineData("no-token", "")]
    [InlineData("", "")]
    public void The_replica_is_everything_before_the_last_colon(string holder, string replica) =>
        Assert.Equal(replica, LeaseHolders.ReplicaOf(holder));
}
