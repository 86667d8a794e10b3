using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CacheWarmer.Worker;

// Event ids 2030-2039: batched loads. Database text is a structured property, never spliced into the text.
internal static partial class Log
{
    [LoggerMessage(2030, LogLevel.Information, "The batch query of {Loader} for {Keys} keys was refused for a key's own values: {Error}; each key of the batch now loads on its own, so only the bad key is rejected")]
    public static partial void BatchKeyFault(ILogger logger, string loader, int keys, LogText error);
}
