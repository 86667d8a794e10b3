using System.Diagnostics;
using System.Globalization;
using System.Text;
using CacheWarmer.TestUtils.Internal;
using Npgsql;

namespace CacheWarmer.TestUtils;

/// <summary>
/// One throwaway PostgreSQL server: initdb into a temp folder, then postgres on a free loopback port with fsync off and
/// trust authentication. As root, it runs as the <c>postgres</c> OS user. Throws, saying how to install it, when missing.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(30);
    private static int s_databases;

    private readonly string _binaries;
    private readonly DirectoryInfo _root;
    private WatchedProcess? _process;

    private PostgresServer(string binaries, DirectoryInfo root, int port)
    {
        _binaries = binaries;
        _root = root;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            IncludeErrorDetail = true,
        }.ConnectionString;
    }

    public int Port { get; }

    /// <summary>Npgsql connection string of the admin database <c>postgres</c>.</summary>
    public string ConnectionString { get; }

    private string DataDirectory => Path.Combine(_root.FullName, "data");

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var binaries = PostgresBinaries.FindDirectory();
        var server = new PostgresServer(binaries, TempFolders.Create("cachewarmer-pg-"), FreePort.Next());
        try
        {
            await server.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates an empty database, named after <paramref name="name"/> plus a counter so tests never share one.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        var database = $"{Sanitize(name)}_{Interlocked.Increment(ref s_databases)}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            // The guard stops it with SIGQUIT, which is exactly what `pg_ctl stop -m immediate` sends.
            await process.StopAsync().ConfigureAwait(false);
            process.Dispose();
            NpgsqlConnection.ClearAllPools();
        }

        TempFolders.Delete(_root);
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var sockets = Directory.CreateDirectory(Path.Combine(_root.FullName, "sockets")).FullName;
        await OsUser.GiveToPostgresAsync(_root.FullName, cancellationToken).ConfigureAwait(false);
        await OsUser.RunAsPostgresAsync(
            Path.Combine(_binaries, "initdb"),
            ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            cancellationToken).ConfigureAwait(false);

        var (fileName, arguments) = OsUser.AsPostgres(
            Path.Combine(_binaries, "postgres"),
            [
                "-D", DataDirectory,
                "-p", Port.ToString(CultureInfo.InvariantCulture),
                "-k", sockets,
                "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                "-c", "shared_buffers=32MB",
                "-c", "max_connections=200",
            ]);
        // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its backends down with it.
        _process = WatchedProcess.Start(fileName, arguments, killSignal: "QUIT");
        await WaitUntilReadyAsync(_process, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitUntilReadyAsync(WatchedProcess process, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 2 }.ConnectionString;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException) when (!process.HasExited && clock.Elapsed < ReadyDeadline)
            {
                // Not accepting connections yet (refused, or "the database system is starting up").
            }
            catch (NpgsqlException e)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not start on port {Port}. Its output:{Environment.NewLine}{process.Output()}", e);
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        var text = builder.Length == 0 || !char.IsAsciiLetter(builder[0]) ? "db_" + builder : builder.ToString();
        return text.Length > 40 ? text[..40] : text;
    }
}
