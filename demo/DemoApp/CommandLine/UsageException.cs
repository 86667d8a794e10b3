namespace CacheWarmer.DemoApp.CommandLine;

/// <summary>The command line is wrong; the message says what to change.</summary>
internal sealed class UsageException(string message) : Exception(message);
