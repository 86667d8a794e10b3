using System.Globalization;
using CacheWarmer.TestUtils.Internal;
using StackExchange.Redis;

namespace CacheWarmer.TestUtils;

/// <summary>
/// A real Sentinel set-up on loopback: one primary, one replica (<c>--replicaof</c>) and one <c>redis-sentinel</c>
/// (quorum 1) watching them as <see cref="ServiceName"/>. Clients connect through <see cref="Configuration"/>, as an
/// app behind Sentinel would; <see cref="FailoverAsync"/> promotes the replica as <c>SENTINEL FAILOVER</c> does in
/// production, without any connection being dropped by the test.
/// </summary>
public sealed class RedisSentinelSet : IAsyncDisposable
{
    public const string ServiceName = "cachewarmer";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _directory;
    private readonly WatchedProcess _sentinel;
    private readonly ConnectionMultiplexer _sentinelConnection;

    private RedisSentinelSet(RedisServer primary, RedisServer replica, DirectoryInfo directory, WatchedProcess sentinel, int sentinelPort, ConnectionMultiplexer sentinelConnection)
    {
        Primary = primary;
        Replica = replica;
        _directory = directory;
        _sentinel = sentinel;
        SentinelPort = sentinelPort;
        _sentinelConnection = sentinelConnection;
    }

    /// <summary>The primary at start (a replica after <see cref="FailoverAsync"/>).</summary>
    public RedisServer Primary { get; }

    /// <summary>The replica at start (the primary after <see cref="FailoverAsync"/>).</summary>
    public RedisServer Replica { get; }

    public int SentinelPort { get; }

    /// <summary>The StackExchange.Redis configuration string through the sentinel: "127.0.0.1:PORT,serviceName=...".</summary>
    public string Configuration => $"127.0.0.1:{SentinelPort},serviceName={ServiceName}";

    public static Task<RedisSentinelSet> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync([], [], cancellationToken);

    /// <summary>A set whose primary and replica get extra server arguments, such as their own notify-keyspace-events.</summary>
    public static async Task<RedisSentinelSet> StartAsync(IReadOnlyList<string> primaryArguments, IReadOnlyList<string> replicaArguments, CancellationToken cancellationToken = default)
    {
        // redis-sentinel is redis-server started in sentinel mode; Debian ships the name in a package of its own.
        var sentinelExecutable = Executables.Find("redis-sentinel", "/usr/bin", "/usr/local/bin");
        var serverExecutable = RedisProcessBackend.FindExecutable();
        if (sentinelExecutable is null && serverExecutable is null)
        {
            throw new InvalidOperationException("Redis Sentinel is required for this test: install it with `apt-get install -y redis-server redis-sentinel`.");
        }

        var primary = await RedisServer.StartAsync(primaryArguments, cancellationToken).ConfigureAwait(false);
        var replica = await RedisServer.StartAsync(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture), .. replicaArguments], cancellationToken).ConfigureAwait(false);
        await WaitForReplicationAsync(replica, cancellationToken).ConfigureAwait(false);

        var directory = TempFolders.Create("cachewarmer-sentinel-");
        var port = FreePort.Next();
        var configFile = Path.Combine(directory.FullName, "sentinel.conf");
        // Sentinel rewrites its file as it learns the set-up, so it must be a writable file of its own.
        await File.WriteAllLinesAsync(configFile,
        [
            $"port {port}",
            "bind 127.0.0.1",
            "daemonize no",
            $"dir {directory.FullName}",
            $"sentinel monitor {ServiceName} 127.0.0.1 {primary.Port} 1",
            $"sentinel down-after-milliseconds {ServiceName} 2000",
            $"sentinel failover-timeout {ServiceName} 10000",
            $"sentinel parallel-syncs {ServiceName} 1",
        ], cancellationToken).ConfigureAwait(false);
        var sentinel = sentinelExecutable is not null
            ? WatchedProcess.Start(sentinelExecutable, [configFile], killSignal: "KILL")
            : WatchedProcess.Start(serverExecutable!, [configFile, "--sentinel"], killSignal: "KILL");
        await RedisPing.WaitAsync("127.0.0.1", port, sentinel, cancellationToken).ConfigureAwait(false);

        var options = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", port } },
            CommandMap = CommandMap.Sentinel,
            AllowAdmin = true,
            TieBreaker = string.Empty,
            AbortOnConnectFail = false,
        };
        var connection = await ConnectionMultiplexer.SentinelConnectAsync(options).ConfigureAwait(false);
        var set = new RedisSentinelSet(primary, replica, directory, sentinel, port, connection);
        await set.WaitUntilAsync(async () => (await set.ReplicasSeenAsync().ConfigureAwait(false)).Contains(replica.Port), "the sentinel should see the replica").ConfigureAwait(false);
        return set;
    }

    /// <summary>The port of the primary the sentinel names now.</summary>
    public async Task<int?> PrimaryPortAsync()
    {
        var endpoint = await SentinelServer.SentinelGetMasterAddressByNameAsync(ServiceName).ConfigureAwait(false);
        return (endpoint as System.Net.IPEndPoint)?.Port;
    }

    /// <summary>
    /// Runs <c>SENTINEL FAILOVER</c> and waits until the sentinel names the replica as primary and the replica says
    /// it is one (the old primary is reconfigured as its replica by the sentinel, shortly after).
    /// </summary>
    public async Task FailoverAsync()
    {
        await SentinelServer.SentinelFailoverAsync(ServiceName).ConfigureAwait(false);
        await WaitUntilAsync(async () => await PrimaryPortAsync().ConfigureAwait(false) == Replica.Port, "the sentinel should name the replica as primary").ConfigureAwait(false);
        await WaitUntilAsync(async () => await RoleAsync(Replica).ConfigureAwait(false) == "master", "the replica should be promoted").ConfigureAwait(false);
    }

    /// <summary>The role a server reports (ROLE): "master" or "slave".</summary>
    public static async Task<string> RoleAsync(RedisServer server)
    {
        await using var connection = await server.ConnectAsync().ConfigureAwait(false);
        var role = (RedisResult[])(await connection.GetServers()[0].ExecuteAsync("ROLE").ConfigureAwait(false))!;
        return (string)role[0]!;
    }

    public async ValueTask DisposeAsync()
    {
        await _sentinelConnection.DisposeAsync().ConfigureAwait(false);
        await _sentinel.StopAsync().ConfigureAwait(false);
        _sentinel.Dispose();
        await Replica.DisposeAsync().ConfigureAwait(false);
        await Primary.DisposeAsync().ConfigureAwait(false);
        TempFolders.Delete(_directory);
    }

    private IServer SentinelServer => _sentinelConnection.GetServer("127.0.0.1", SentinelPort);

    private async Task<List<int>> ReplicasSeenAsync()
    {
        var replicas = await SentinelServer.SentinelReplicasAsync(ServiceName).ConfigureAwait(false);
        return replicas
            .Select(fields => fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal))
            .Where(r => r.GetValueOrDefault("flags") == "slave" && r.GetValueOrDefault("master-link-status") == "ok")
            .Select(r => int.Parse(r["port"], CultureInfo.InvariantCulture))
            .ToList();
    }

    private static async Task WaitForReplicationAsync(RedisServer replica, CancellationToken cancellationToken)
    {
        await using var connection = await replica.ConnectAsync().ConfigureAwait(false);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var info = (string?)await connection.GetServers()[0].ExecuteAsync("INFO", "replication").ConfigureAwait(false) ?? string.Empty;
            if (info.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The replica on port {replica.Port} did not sync with its primary within {Patience.TotalSeconds} s: {info}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string because)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {Patience.TotalSeconds} s: {because}. The sentinel's output:{Environment.NewLine}{_sentinel.Output()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
