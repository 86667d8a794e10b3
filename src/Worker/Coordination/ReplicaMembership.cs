using System.Threading.Channels;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Coordination;

/// <summary>
/// The live replicas as this one last read them (<see cref="ReplicaHeartbeat"/> updates it every beat), and so which
/// keys it owns, stands by for, or leaves to the others. Until the first beat, and with <c>Refresh:Partition</c> off, a
/// replica owns every key: it then plans and tries every key, and the lease lets one load each.
/// </summary>
internal sealed class ReplicaMembership
{
    private readonly ReplicaIdentity _replica;
    private readonly bool _partition;
    private readonly ILogger<ReplicaMembership> _logger;
    private readonly Channel<ReplicaSet> _changes = Channel.CreateBounded<ReplicaSet>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private volatile ReplicaSet _current;

    public ReplicaMembership(ReplicaIdentity replica, IOptions<RefreshOptions> refresh, ILogger<ReplicaMembership> logger)
    {
        _replica = replica;
        _partition = refresh.Value.Partition;
        _logger = logger;
        _current = new ReplicaSet([], replica.Id);
    }

    /// <summary>The live replicas, this one included.</summary>
    public ReplicaSet Current => _current;

    /// <summary>Each new set of live replicas, the latest only when the reader is behind.</summary>
    public ChannelReader<ReplicaSet> Changes => _changes.Reader;

    /// <summary>This replica's role for <paramref name="key"/> among the live replicas.</summary>
    public KeyRole RoleOf(string key) => _partition ? _current.RoleOf(key) : KeyRole.Owner;

    /// <summary>Takes the live replicas read from Redis; a set with other members becomes <see cref="Current"/>.</summary>
    public void Update(IEnumerable<string> members)
    {
        var next = new ReplicaSet(members, _replica.Id);
        if (next.SameMembers(_current))
        {
            return;
        }

        _current = next;
        Log.ReplicasChanged(_logger, next.Ids.Count, string.Join(", ", next.Ids), _partition);
        _changes.Writer.TryWrite(next);
    }
}
