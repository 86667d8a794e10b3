using System.Diagnostics;
using System.Globalization;
using CacheWarmer.TestUtils.Internal;
using StackExchange.Redis;

namespace CacheWarmer.TestUtils;

/// <summary>
/// A real Redis Cluster on loopback: 3 primaries and 3 replicas (<c>redis-server --cluster-enabled yes</c>, joined by
/// <c>redis-cli --cluster create</c>, both from the Debian package), each node on free client and bus ports, no
/// persistence. Throws, saying how to install Redis, when it is missing.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _root;
    private readonly List<Node> _nodes = [];

    private RedisCluster(DirectoryInfo root) => _root = root;

    /// <summary>A StackExchange.Redis configuration string naming every node.</summary>
    public string Configuration => string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}"));

    /// <summary>The client ports of the nodes, primaries first as created.</summary>
    public IReadOnlyList<int> Ports => [.. _nodes.Select(n => n.Port)];

    public static async Task<RedisCluster> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = RedisProcessBackend.FindExecutable() ?? throw new InvalidOperationException(RedisServer.MissingMessage);
        var cli = Executables.Find("redis-cli", "/usr/bin", "/usr/local/bin") ?? throw new InvalidOperationException(RedisServer.MissingMessage);
        var cluster = new RedisCluster(TempFolders.Create("cachewarmer-cluster-"));
        try
        {
            for (var i = 0; i < 6; i++)
            {
                cluster._nodes.Add(cluster.StartNode(server, i));
            }

            foreach (var node in cluster._nodes)
            {
                await RedisPing.WaitAsync("127.0.0.1", node.Port, node.Process, cancellationToken).ConfigureAwait(false);
            }

            await OsUser.RunAsync(
                cli,
                ["--cluster", "create", .. cluster._nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "1", "--cluster-yes"],
                cancellationToken).ConfigureAwait(false);
            await cluster.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the node on <paramref name="port"/> with SIGKILL, as a crash would; its replica takes over after the node timeout (2 s).</summary>
    public Task KillNodeAsync(int port) => _nodes.Single(n => n.Port == port).Process.StopAsync();

    public async Task<ConnectionMultiplexer> ConnectAsync() =>
        await ConnectionMultiplexer.ConnectAsync(Configuration + ",abortConnect=false,allowAdmin=true").ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.Process.StopAsync().ConfigureAwait(false);
            node.Process.Dispose();
        }

        TempFolders.Delete(_root);
    }

    private Node StartNode(string server, int index)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root.FullName, $"node{index}")).FullName;
        var port = FreePort.Next();
        var busPort = FreePort.Next();
        var process = WatchedProcess.Start(
            server,
            [
                "--port", port.ToString(CultureInfo.InvariantCulture),
                "--cluster-port", busPort.ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(directory, "nodes.conf"),
                "--cluster-node-timeout", "2000",
                "--save", string.Empty,
                "--appendonly", "no",
                "--dir", directory,
                "--daemonize", "no",
            ],
            killSignal: "KILL");
        return new Node(port, process);
    }

    // Every node reports the cluster ok and all 16,384 slots served, and three replicas are in sync with their
    // primaries (until then a client may take a replica-to-be for a primary).
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var redis = await ConnectAsync().ConfigureAwait(false);
        while (true)
        {
            var ready = true;
            var replicas = 0;
            foreach (var node in _nodes)
            {
                var server = redis.GetServer("127.0.0.1", node.Port);
                var info = (string?)await server.ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false) ?? "";
                ready &= info.Contains("cluster_state:ok", StringComparison.Ordinal) && info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal);
                var replication = (string?)await server.ExecuteAsync("INFO", "replication").ConfigureAwait(false) ?? "";
                replicas += replication.Contains("role:slave", StringComparison.Ordinal) && replication.Contains("master_link_status:up", StringComparison.Ordinal) ? 1 : 0;
            }

            ready &= replicas == 3;

            if (ready)
            {
                await redis.ConfigureAsync().ConfigureAwait(false);
                return;
            }

            if (clock.Elapsed > ReadyDeadline)
            {
                throw new TimeoutException($"The Redis Cluster on ports {string.Join(", ", Ports)} was not ready within {ReadyDeadline.TotalSeconds} s.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record Node(int Port, WatchedProcess Process);
}
