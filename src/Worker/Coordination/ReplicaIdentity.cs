using System.Security.Cryptography;

namespace CacheWarmer.Worker.Coordination;

/// <summary>This replica's name in lease values: host, process and a random part (several may share a host).</summary>
internal sealed class ReplicaIdentity
{
    public string Id { get; } =
        $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
}
