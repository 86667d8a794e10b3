namespace CacheWarmer.TestUtils.Internal;

internal sealed class RedisProcessBackend(string executable, int port, IReadOnlyList<string> arguments) : IRedisBackend
{
    private readonly DirectoryInfo _directory = TempFolders.Create("cachewarmer-redis-");
    private WatchedProcess? _process;

    public string Host => "127.0.0.1";

    public static string? FindExecutable() => Executables.Find("redis-server", "/usr/bin", "/usr/local/bin");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await StopAsync().ConfigureAwait(false);
        _process = WatchedProcess.Start(
            executable,
            [
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--save", string.Empty,
                "--appendonly", "no",
                "--dir", _directory.FullName,
                "--pidfile", Path.Combine(_directory.FullName, "redis.pid"),
                "--daemonize", "no",
                .. arguments,
            ],
            killSignal: "KILL");
        await RedisPing.WaitAsync(Host, port, _process, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.StopAsync().ConfigureAwait(false);
            process.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        TempFolders.Delete(_directory);
    }
}
