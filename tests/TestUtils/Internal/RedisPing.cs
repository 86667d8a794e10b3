using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace CacheWarmer.TestUtils.Internal;

internal static class RedisPing
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Waits until the server answers PING, failing fast (with its output) when the process exits.</summary>
    public static async Task WaitAsync(string host, int port, WatchedProcess? process, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await AnswersAsync(host, port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (process is { HasExited: true })
            {
                throw new InvalidOperationException(
                    $"redis-server exited before answering PING on port {port}. Its output:{Environment.NewLine}{process.Output()}");
            }

            if (clock.Elapsed > Deadline)
            {
                throw new TimeoutException(
                    $"Redis did not answer PING on {host}:{port} within {Deadline.TotalSeconds} s. Its output:{Environment.NewLine}{process?.Output()}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AnswersAsync(string host, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
