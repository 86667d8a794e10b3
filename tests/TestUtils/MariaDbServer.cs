using System.Diagnostics;
using System.Globalization;
using CacheWarmer.TestUtils.Internal;
using MySqlConnector;

namespace CacheWarmer.TestUtils;

/// <summary>
/// One throwaway MariaDB server (the Debian package's <c>mariadbd</c>): mariadb-install-db into a temp folder, then the
/// server on a free loopback port with durability off, root without a password. Throws, saying how to install it,
/// when missing. Can be stopped and started again on the same port and data, for outage tests.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    public const string MissingMessage =
        "MariaDB is required for this test: install it with `apt-get install -y mariadb-server` (or run scripts/test.sh)";

    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(60);
    private static int s_databases;

    private readonly string _server;
    private readonly DirectoryInfo _root;
    private WatchedProcess? _process;

    private MariaDbServer(string server, DirectoryInfo root, int port)
    {
        _server = server;
        _root = root;
        Port = port;
        ConnectionString = new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)port,
            UserID = "root",
        }.ConnectionString;
    }

    public int Port { get; }

    /// <summary>MySqlConnector connection string of the server, as root, no database selected.</summary>
    public string ConnectionString { get; }

    private string DataDirectory => Path.Combine(_root.FullName, "data");

    public static async Task<MariaDbServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = Executables.Find("mariadbd", "/usr/sbin") ?? throw new InvalidOperationException(MissingMessage);
        var install = Executables.Find("mariadb-install-db", "/usr/bin") ?? throw new InvalidOperationException(MissingMessage);
        var instance = new MariaDbServer(server, TempFolders.Create("cachewarmer-mariadb-"), FreePort.Next());
        try
        {
            await OsUser.RunAsync(
                install,
                ["--no-defaults", $"--datadir={instance.DataDirectory}", $"--user={User}", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
                cancellationToken).ConfigureAwait(false);
            await instance.StartAgainAsync(cancellationToken).ConfigureAwait(false);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // mariadbd refuses to run as root unless told to; as another user it runs as that user.
    private static string User => Executables.IsRoot ? "root" : Environment.UserName;

    /// <summary>Creates an empty database, named after <paramref name="name"/> plus a counter; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        var database = $"{new string([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')])}_{Interlocked.Increment(ref s_databases)}";
        await using (var connection = new MySqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand($"CREATE DATABASE `{database}`", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new MySqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;
    }

    /// <summary>Stops the server (SIGKILL: an outage, not a shutdown); <see cref="StartAgainAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.StopAsync().ConfigureAwait(false);
            process.Dispose();
            MySqlConnection.ClearAllPools();
        }
    }

    /// <summary>Starts the server on its port and data directory, and waits until it accepts connections.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        _process = WatchedProcess.Start(
            _server,
            [
                "--no-defaults",
                $"--datadir={DataDirectory}",
                $"--user={User}",
                $"--port={Port.ToString(CultureInfo.InvariantCulture)}",
                "--bind-address=127.0.0.1",
                $"--socket={Path.Combine(_root.FullName, "mariadb.sock")}",
                $"--pid-file={Path.Combine(_root.FullName, "mariadb.pid")}",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=32M",
                "--innodb-flush-log-at-trx-commit=0",
                "--max-connections=200",
            ],
            killSignal: "KILL");
        await WaitUntilReadyAsync(_process, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        TempFolders.Delete(_root);
    }

    private async Task WaitUntilReadyAsync(WatchedProcess process, CancellationToken cancellationToken)
    {
        var probe = new MySqlConnectionStringBuilder(ConnectionString) { Pooling = false, ConnectionTimeout = 2 }.ConnectionString;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new MySqlConnection(probe);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (MySqlException) when (!process.HasExited && clock.Elapsed < ReadyDeadline)
            {
                // Not accepting connections yet.
            }
            catch (MySqlException e)
            {
                throw new InvalidOperationException($"MariaDB did not start on port {Port}. Its output:{Environment.NewLine}{process.Output()}", e);
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
