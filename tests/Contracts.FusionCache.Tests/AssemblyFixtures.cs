using CacheWarmer.TestUtils;

[assembly: AssemblyFixture(typeof(RedisFixture))]
