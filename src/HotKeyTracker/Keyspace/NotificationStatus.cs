namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>Whether keyspace notifications reach this process, and how the tracker knows (or what is missing).</summary>
/// <param name="Active">True when the tracker has evidence that every primary's events reach it.</param>
/// <param name="Detail">The evidence, or what an operator must change; one sentence for <c>/readyz</c>.</param>
public sealed record NotificationStatus(bool Active, string Detail);
