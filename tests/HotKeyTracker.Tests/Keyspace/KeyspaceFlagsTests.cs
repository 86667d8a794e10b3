using CacheWarmer.HotKeyTracker.Keyspace;

namespace CacheWarmer.HotKeyTracker.Tests.Keyspace;

public sealed class KeyspaceFlagsTests
{
    [Theory]
    [InlineData("", "Kg$xe")]
    [InlineData("Ex", "Kg$e")]
    [InlineData("KEA", "")]
    [InlineData("AK", "")]
    [InlineData("A", "K")]
    [InlineData("Kg$xe", "")]
    [InlineData("Elg", "K$xe")]
    public void Missing_lists_only_the_flags_the_server_lacks(string current, string missing) =>
        Assert.Equal(missing, KeyspaceFlags.Missing(current));
}
