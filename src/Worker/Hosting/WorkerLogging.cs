using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

namespace CacheWarmer.Worker.Hosting;

/// <summary>
/// Serilog for the worker: the <c>Serilog</c> configuration section when there is one, exactly as written; otherwise
/// the console at the levels of the repository's appsettings.json, so a worker given only its <c>CacheWarmer</c>
/// section (environment variables, a replaced appsettings.json) still says what it does.
/// </summary>
internal static class WorkerLogging
{
    /// <summary>The configuration section Serilog reads.</summary>
    public const string SectionName = "Serilog";

    /// <summary>The console line of the default, the same as appsettings.json's.</summary>
    public const string OutputTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static LoggerConfiguration Configure(LoggerConfiguration logger, IConfiguration configuration)
    {
        if (configuration.GetSection(SectionName).Exists())
        {
            return logger.ReadFrom.Configuration(configuration);
        }

        return logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Quartz", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: OutputTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
    }
}
