using CacheWarmer.Worker.Sources;
using Npgsql;

namespace CacheWarmer.Worker.Tests.Sources;

public sealed class SourceConnectionsTests
{
    [Fact]
    public async Task A_postgres_pool_does_not_reset_the_session_of_a_returned_connection_by_default()
    {
        await using var source = SourceConnections.CreatePostgres("Host=127.0.0.1;Username=app;Database=catalog");

        Assert.True(new NpgsqlConnectionStringBuilder(source.ConnectionString).NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Username=app;No Reset On Close=false")]
    [InlineData("Host=127.0.0.1;Username=app;noresetonclose=False")]
    public async Task A_connection_string_that_asks_for_the_reset_keeps_it(string connectionString)
    {
        await using var source = SourceConnections.CreatePostgres(connectionString);

        Assert.False(new NpgsqlConnectionStringBuilder(source.ConnectionString).NoResetOnClose);
    }
}
