using CacheWarmer.DemoApp.CommandLine;

namespace CacheWarmer.DemoApp.Traffic;

/// <summary>What the simulated app reads, how hard, and for how long.</summary>
internal sealed record TrafficOptions(
    string Redis,
    string Database,
    int Keys,
    TimeSpan Ttl,
    TimeSpan Duration,
    int Readers,
    int ReadsPerSecond,
    string KeyPrefix,
    bool SendSamples)
{
    public static TrafficOptions From(CommandArguments args)
    {
        var options = new TrafficOptions(
            Redis: args.Text("redis", "127.0.0.1:6379"),
            Database: args.Text("db", "demo/catalog.db"),
            Keys: args.Integer("keys", fallback: 50, min: 1, max: 1_000_000),
            Ttl: TimeSpan.FromSeconds(args.Integer("ttl", fallback: 20, min: 1, max: 86_400)),
            Duration: TimeSpan.FromSeconds(args.Integer("duration", fallback: 75, min: 1, max: 86_400)),
            Readers: args.Integer("readers", fallback: 8, min: 1, max: 256),
            ReadsPerSecond: args.Integer("rate", fallback: 400, min: 1, max: 100_000),
            KeyPrefix: args.Text("prefix", "cw:"),
            SendSamples: !args.Flag("no-samples"));
        args.RejectUnknown();
        return options;
    }

    public static string Key(int id) => "product:" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
