using System.Globalization;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Display;

namespace CacheWarmer.Worker.Tests.Telemetry;

/// <summary>
/// Keys from keyspace events and access samples, and the errors a database gives about them, are escaped in every log
/// line that names them: a key holding a newline or an ANSI escape can neither forge a line nor recolour a terminal.
/// </summary>
public sealed class LogTextTests
{
    // A key an app could SET: a forged second line, a carriage return, an ANSI colour, a tab and C1/Unicode line breaks.
    private const string Hostile = "product:1\n12:00:00.000 INF Forged: \u001b[31mred\u001b[0m\r\t\u0085\u2028end";

    private static readonly InvalidOperationException Failure = new("boom");

    public static TheoryData<string> Lines => [.. Loggers.Keys];

    private static readonly Dictionary<string, Action<ILogger, string>> Loggers = new()
    {
        ["Refreshed"] = (l, k) => Log.Refreshed(l, k, "product", 1, 2, 3),
        ["FailSafe"] = (l, k) => Log.FailSafe(l, k, "product", $"invalid input syntax for type integer: \"{k}\"", 1, 2),
        ["LoadFailed"] = (l, k) => Log.LoadFailed(l, k, "product", $"invalid input syntax for type integer: \"{k}\"", 1),
        ["NoValue"] = (l, k) => Log.NoValue(l, k, "product"),
        ["LeaseLost"] = (l, k) => Log.LeaseLost(l, k),
        ["ReleaseFailed"] = (l, k) => Log.ReleaseFailed(l, k, Failure),
        ["RedisUnavailable"] = (l, k) => Log.RedisUnavailable(l, k, Failure),
        ["ManagedKeyLost"] = (l, k) => Log.ManagedKeyLost(l, k, "product"),
        ["ScheduleFailed"] = (l, k) => Log.ScheduleFailed(l, k, Failure),
        ["RefreshCrashed"] = (l, k) => Log.RefreshCrashed(l, k, Failure),
        ["LeaseTakenOver"] = (l, k) => Log.LeaseTakenOver(l, k, "replica-2"),
        ["OwnLeaseTakenOver"] = (l, k) => Log.OwnLeaseTakenOver(l, k),
        ["ForeignValue"] = (l, k) => Log.ForeignValue(l, k, "product", "hash", "String"),
        ["UnknownEntryLayout"] = (l, k) => Log.UnknownEntryLayout(l, k, "product", "HybridCache", "data starting 7B22", "HybridCache 10.11.0"),
        ["PinnedKeyAbsent"] = (l, k) => Log.PinnedKeyAbsent(l, k, 3, 800),
        ["PinnedKeysFull"] = (l, k) => Log.PinnedKeysFull(l, 10, 5, 5, k),
        ["Superseded"] = (l, k) => Log.Superseded(l, k, "product", -2),
        ["KeyRejected"] = (l, k) => Log.KeyRejected(l, k, "product", $"PostgreSQL 22P02: invalid input syntax for type integer: \"{k}\""),
        ["WarmKeyCrashed"] = (l, k) => Log.WarmKeyCrashed(l, "job", k, Failure),
        ["WarmupKeyFailed"] = (l, k) => Log.WarmupKeyFailed(l, k, Failure),
        ["WarmupKeysProblem"] = (l, k) => Log.WarmupKeysProblem(l, "morning", DateTimeOffset.UnixEpoch, $"the id of {k} does not fit"),
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void A_key_with_control_characters_is_escaped_in_the_line_and_its_property(string line)
    {
        var logger = new FakeLogger();
        logger.ControlLevel(LogLevel.Debug, enabled: true);

        Loggers[line](logger, Hostile);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        AssertEscaped(record.Message);
        var key = Assert.Single(record.StructuredState!, p => p.Key is "Key" or "Problem").Value;
        AssertEscaped(key!);
    }

    [Fact]
    public void An_ordinary_key_reads_the_same_in_the_log_as_in_Redis()
    {
        const string Key = "product:ü-1+2/<3>&'x'";
        var logger = new FakeLogger();

        Log.ManagedKeyLost(logger, Key, "product");

        Assert.Equal($"Managed key {Key} (product) expired before it was refreshed: readers may have missed it; warming it now", logger.LatestRecord.Message);
        Assert.Equal(Key, logger.LatestRecord.GetStructuredStateValue("Key"));
    }

    [Fact]
    public void Through_Serilog_with_the_console_template_a_key_stays_on_one_escaped_line_and_a_string_property()
    {
        var sink = new CapturingSink();
        using var serilog = new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        using var factory = new SerilogLoggerFactory(serilog);

        Log.NoValue(factory.CreateLogger("test"), Hostile, "product");

        var logEvent = Assert.Single(sink.Events);
        var formatter = new MessageTemplateTextFormatter("{Message:lj}", CultureInfo.InvariantCulture);
        using var written = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(logEvent, written);
        AssertEscaped(written.ToString());
        var property = Assert.IsType<ScalarValue>(logEvent.Properties["Key"]);
        AssertEscaped(Assert.IsType<string>(property.Value));
    }

    [Fact]
    public void Quote_escapes_client_text_and_wraps_it_in_quotes() =>
        Assert.Equal("\"/warm\\n\\u001B[2J \\\"x\\\" \\\\\"", LogText.Quote("/warm\n\u001b[2J \"x\" \\"));

    private static void AssertEscaped(string text)
    {
        Assert.DoesNotContain(text, c => char.IsControl(c) || c is '\u2028' or '\u2029');
        Assert.Contains(@"product:1\n12:00:00.000 INF Forged: \u001B[31mred\u001B[0m\r\t", text, StringComparison.Ordinal);
    }

    private sealed class CapturingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
