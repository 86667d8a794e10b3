using CacheWarmer.DemoApp.Catalog;
using CacheWarmer.DemoApp.CommandLine;
using CacheWarmer.DemoApp.Traffic;

const string Usage = """
    usage:
      CacheWarmer.DemoApp seed    --db demo/catalog.db [--products 1000]
      CacheWarmer.DemoApp traffic --redis 127.0.0.1:6379 --db demo/catalog.db [--keys 50] [--ttl 20] [--duration 75]
                                  [--readers 8] [--rate 400] [--prefix cw:] [--no-samples]
    """;

try
{
    return args switch
    {
        ["seed", .. var rest] => await CatalogSeeder.RunAsync(CommandArguments.Parse(rest)),
        ["traffic", .. var rest] => await TrafficCommand.RunAsync(TrafficOptions.From(CommandArguments.Parse(rest, "no-samples")), TimeProvider.System),
        [] or ["help" or "--help" or "-h", ..] => Help(),
        [var command, ..] => throw new UsageException($"unknown command '{command}'"),
    };
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}\n{Usage}");
    return 2;
}

int Help()
{
    Console.WriteLine(Usage);
    return 0;
}
