using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// A key an app writes reaches the worker through a keyspace event, and the worker's log lines name it: one holding a
/// newline or an ANSI escape is written escaped, on its own line, and cannot forge another.
/// </summary>
public sealed class KeyLogEscapingTests(RedisFixture redis, PostgresFixture postgres)
{
    private const string Forged = "12:00:00.000 INF CacheWarmer.Worker.Refresh.Refresher: FORGED";

    [Fact]
    public async Task A_key_from_a_keyspace_event_is_escaped_in_the_console_log()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("key_log"), 2, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, RedisFixture.UniquePrefix("key_log"))
            .WithPostgres(catalog.ConnectionString, "SELECT id, name, price FROM products WHERE id::text = @id")
            .With("Serilog:MinimumLevel:Override:CacheWarmer", "Information");
        var key = config.Key("9\n" + Forged + "\u001b[31m");
        await using var worker = await WorkerProcess.StartAsync(config);

        // The query finds no row for it, which the worker logs naming the key (and, if it expires first, as lost).
        await redis.Connection.GetDatabase().StringSetAsync(key, "written by the app", TimeSpan.FromSeconds(3));

        var escaped = config.Key(@"9\n" + Forged + @"\u001B[31m");
        await Eventually.UntilAsync(() => worker.Output.Contains(escaped, StringComparison.Ordinal), TimeSpan.FromSeconds(20), "a log line should name the key, escaped");
        var lines = worker.Output.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith(Forged, StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', worker.Output);
    }
}
