using System.Diagnostics.Metrics;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

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

    // The one take-over rule of refreshes (single flight) and warmup firings (none): a dead replica's lease always,
    // this replica's own only under single flight, a live replica's or a foreign value never.
    [Theory]
    [InlineData("dead", true, true)]
    [InlineData("dead", false, true)]
    [InlineData("this replica", true, true)]
    [InlineData("this replica", false, false)]
    [InlineData("alive", true, false)]
    [InlineData("alive", false, false)]
    [InlineData("no replica", true, false)]
    public async Task A_lease_is_taken_over_only_when_its_attempt_is_over(string holder, bool singleFlight, bool over)
    {
        var redis = new FakeRedis();
        var self = new ReplicaIdentity();
        var redisOptions = Options.Create(new RedisOptions());
        redis.Exists = key => key == WorkerKeys.Replica(redisOptions.Value.KeyPrefix, "replica-alive");
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new CacheWarmerMetrics(services.GetRequiredService<IMeterFactory>(), new HotKeyModel(Options.Create(new HotKeyOptions()), TimeProvider.System));
        var heartbeat = new ReplicaHeartbeat(redis.Multiplexer, redisOptions, self, TestMembership.Alone(), metrics, TimeProvider.System, NullLogger<ReplicaHeartbeat>.Instance);
        var holders = new LeaseHolders(self, heartbeat);
        var value = holder switch
        {
            "dead" => LeaseHolders.NewValue("replica-dead"),
            "alive" => LeaseHolders.NewValue("replica-alive"),
            "this replica" => LeaseHolders.NewValue(self.Id),
            _ => "written-by-an-app",
        };

        Assert.Equal(over, await holders.IsOverAsync(value, singleFlight));
    }
}
