using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Tests.Coordination;

/// <summary>Replica memberships for tests of the rooms that ask which keys are this replica's.</summary>
internal static class TestMembership
{
    /// <summary>A replica that has not beaten yet: it owns every key.</summary>
    public static ReplicaMembership Alone() =>
        new(new ReplicaIdentity(), Options.Create(new RefreshOptions()), NullLogger<ReplicaMembership>.Instance);

    /// <summary>A replica among <paramref name="others"/> more.</summary>
    public static ReplicaMembership Among(int others)
    {
        var identity = new ReplicaIdentity();
        var membership = new ReplicaMembership(identity, Options.Create(new RefreshOptions()), NullLogger<ReplicaMembership>.Instance);
        membership.Update(Enumerable.Range(0, others).Select(i => $"other-{i}-000000").Append(identity.Id));
        return membership;
    }
}
