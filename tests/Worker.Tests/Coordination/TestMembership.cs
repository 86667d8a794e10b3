using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Tests.Coordination;

/// <summary>Replica memberships for tests of the rooms that ask which keys are this replica's.</summary>
internal static class TestMembership
{
    /// <summary>A replica that has not beaten yet: it owns every key.</summary>
    public static ReplicaMembership Alone() => Alone(partition: true, out _);

    /// <summary>A replica that has not beaten yet, with <c>Refresh:Partition</c> as given; <paramref name="self"/> is its id.</summary>
    public static ReplicaMembership Alone(bool partition, out string self)
    {
        var identity = new ReplicaIdentity();
        self = identity.Id;
        return new ReplicaMembership(identity, Options.Create(new RefreshOptions { Partition = partition }), NullLogger<ReplicaMembership>.Instance);
    }

    /// <summary>A replica among <paramref name="others"/> more.</summary>
    public static ReplicaMembership Among(int others)
    {
        var membership = Alone(partition: true, out var self);
        membership.Update(Enumerable.Range(0, others).Select(i => $"other-{i}-000000").Append(self));
        return membership;
    }
}
