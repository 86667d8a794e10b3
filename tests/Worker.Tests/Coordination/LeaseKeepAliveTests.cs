using System.Threading.Channels;
using CacheWarmer.Worker.Coordination;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Tests.Coordination;

/// <summary>
/// The keep-alive with fake leases whose extensions the test answers, on a FakeTimeProvider: when it extends, how long
/// it counts a lease held, what it makes of a failed, refused or late extension, and how it stops. No Redis.
/// </summary>
public sealed class LeaseKeepAliveTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Period = Ttl / 3;

    // A real-time bound on waiting for the keep-alive's own continuations; the fake clock is what the tests advance.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeLeases _leases = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Nothing_is_sent_before_a_third_of_the_ttl_and_then_every_lease_is_sent_before_any_reply()
    {
        var keepAlive = Start(count: 2);

        _time.Advance(Period - TimeSpan.FromMilliseconds(1));
        Assert.False(_leases.Extensions.TryRead(out _), "an extension was sent before a third of the TTL");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var first = await NextExtensionAsync();
        var second = await NextExtensionAsync();
        Assert.Equal([0, 1], new[] { first.Lease, second.Lease });
        Assert.Equal(Ttl, first.Ttl);

        first.Reply.SetResult(true);
        second.Reply.SetResult(true);
        await keepAlive.StopAsync();
    }

    [Fact]
    public async Task A_failed_extension_is_tried_again_and_a_lease_unextended_down_to_a_sixth_of_its_ttl_is_given_up()
    {
        var keepAlive = Start(count: 1);

        // Held until 40 s from the first extension, sent at 10 s; the next two fail.
        _time.Advance(Period);
        (await NextExtensionAsync()).Reply.SetResult(true);
        _time.Advance(Period);
        (await NextExtensionAsync()).Reply.SetException(RedisDown());
        Assert.Equal("failed 0, 20 s left", await NextReportAsync());
        _time.Advance(Period);
        (await NextExtensionAsync()).Reply.SetException(RedisDown());
        Assert.Equal("failed 0, 10 s left", await NextReportAsync());

        // Given up at 35 s (40 s less a sixth of the TTL), before the tick at 40 s would come.
        _time.Advance(Period / 2 - TimeSpan.FromMilliseconds(1));
        Assert.False(_leases.Reports.TryRead(out var early), $"reported before the lease was down to a sixth of its TTL: {early}");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("running out 0, 5 s left", await NextReportAsync());

        _time.Advance(Ttl);
        Assert.False(_leases.Extensions.TryRead(out _), "a lease given up was extended again");
        await keepAlive.StopAsync();
    }

    [Fact]
    public async Task A_lease_found_lost_is_reported_and_extended_no_more_while_the_others_are()
    {
        var keepAlive = Start(count: 2);
        _time.Advance(Period);
        var lost = await NextExtensionAsync();
        var kept = await NextExtensionAsync();

        lost.Reply.SetResult(false);
        kept.Reply.SetResult(true);
        Assert.Equal("lost 0", await NextReportAsync());

        _time.Advance(Period);
        var next = await NextExtensionAsync();
        Assert.Equal(1, next.Lease);
        Assert.False(_leases.Extensions.TryRead(out _), "the lease found lost was extended again");
        next.Reply.SetResult(true);
        await keepAlive.StopAsync();
    }

    [Fact]
    public async Task A_reply_later_than_the_lease_can_spare_counts_as_failed()
    {
        var keepAlive = Start(count: 1);
        _time.Advance(Period);
        var unanswered = await NextExtensionAsync();

        // Sent at 10 s with the lease good until 30 s: waited for until 25 s, where it is down to a sixth of its TTL.
        _time.Advance(Period + (Period / 2));

        Assert.Equal("failed 0, 5 s left", await NextReportAsync());
        Assert.Equal("running out 0, 5 s left", await NextReportAsync());
        unanswered.Reply.SetResult(true);
        await keepAlive.StopAsync();
    }

    [Fact]
    public async Task Stopping_waits_for_the_extension_in_flight_and_then_reports_and_sends_nothing()
    {
        var keepAlive = Start(count: 1);
        _time.Advance(Period);
        var inFlight = await NextExtensionAsync();

        var stopping = keepAlive.StopAsync().AsTask();
        Assert.False(stopping.IsCompleted, "stopping did not wait for the extension in flight");
        inFlight.Reply.SetResult(false);
        await stopping.WaitAsync(Patience, _ct);

        _time.Advance(Ttl);
        Assert.False(_leases.Reports.TryRead(out var report), $"reported after it was stopped: {report}");
        Assert.False(_leases.Extensions.TryRead(out _), "extended after it was stopped");
    }

    private LeaseKeepAlive Start(int count) => new(_leases, count, _time.GetUtcNow() + Ttl, Ttl, _time);

    private async Task<Extension> NextExtensionAsync() =>
        await _leases.Extensions.ReadAsync(_ct).AsTask().WaitAsync(Patience, _ct);

    private async Task<string> NextReportAsync() =>
        await _leases.Reports.ReadAsync(_ct).AsTask().WaitAsync(Patience, _ct);

    private static RedisConnectionException RedisDown() => new(ConnectionFailureType.SocketFailure, CommandFlags.None, "injected by the test", null, CommandStatus.Unknown);

    private sealed record Extension(int Lease, TimeSpan Ttl, TaskCompletionSource<bool> Reply);

    private sealed class FakeLeases : IKeptLeases
    {
        private readonly Channel<Extension> _extensions = Channel.CreateUnbounded<Extension>();
        private readonly Channel<string> _reports = Channel.CreateUnbounded<string>();

        public ChannelReader<Extension> Extensions => _extensions.Reader;

        public ChannelReader<string> Reports => _reports.Reader;

        public Task<bool> ExtendAsync(int lease, TimeSpan ttl)
        {
            var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _extensions.Writer.TryWrite(new Extension(lease, ttl, reply));
            return reply.Task;
        }

        public void ExtendFailed(int lease, Exception error, TimeSpan left) => _reports.Writer.TryWrite($"failed {lease}, {left.TotalSeconds:0.###} s left");

        public void Lost(int lease) => _reports.Writer.TryWrite($"lost {lease}");

        public void RunningOut(int lease, TimeSpan left) => _reports.Writer.TryWrite($"running out {lease}, {left.TotalSeconds:0.###} s left");
    }
}
