using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP proxy in front of a real Redis, for one worker: everything passes through unchanged, except that the test can
/// hold Redis's replies (the worker's commands still arrive; their answers wait) and see which commands were sent
/// since. A command the worker sent while replies are held is in flight, and stays so until <see cref="ReleaseReplies"/>.
/// </summary>
internal sealed class RedisProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly StringBuilder _sent = new();
    private TaskCompletionSource _open = Opened();
    private Task _accepting = Task.CompletedTask;

    private RedisProxy(string redis)
    {
        var colon = redis.LastIndexOf(':');
        (_host, _port) = (redis[..colon], int.Parse(redis[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The StackExchange.Redis configuration string of the proxy, "127.0.0.1:PORT".</summary>
    public string Configuration => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public static RedisProxy Start(string redis)
    {
        var proxy = new RedisProxy(redis);
        proxy._listener.Start();
        proxy._accepting = proxy.AcceptAsync();
        return proxy;
    }

    /// <summary>From now on Redis's replies wait, and <see cref="HasSent"/> looks only at commands sent from now on.</summary>
    public void HoldReplies()
    {
        lock (_sent)
        {
            _sent.Clear();
            _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseReplies()
    {
        lock (_sent)
        {
            _open.TrySetResult();
        }
    }

    /// <summary>Whether a command with the argument <paramref name="argument"/> (such as a glob) was sent since <see cref="HoldReplies"/>.</summary>
    public bool HasSent(string argument)
    {
        lock (_sent)
        {
            return _sent.ToString().Contains($"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n", StringComparison.Ordinal);
        }
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseReplies();
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            lock (_connections)
            {
                _connections.Add(client);
                _connections.Add(server);
            }

            _ = RelayAsync(client, server);
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server)
    {
        try
        {
            await server.ConnectAsync(_host, _port, _stop.Token);
            await Task.WhenAny(PumpAsync(client.GetStream(), server.GetStream(), toRedis: true), PumpAsync(server.GetStream(), client.GetStream(), toRedis: false));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool toRedis)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                Task open;
                lock (_sent)
                {
                    if (toRedis && !_open.Task.IsCompleted)
                    {
                        _sent.Append(Encoding.Latin1.GetString(buffer, 0, read));
                    }

                    open = toRedis ? Task.CompletedTask : _open.Task;
                }

                await open.WaitAsync(_stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
        }
    }
}
