namespace CacheWarmer.Contracts.Http;

/// <summary>The body of <c>GET /readyz</c>.</summary>
/// <param name="Status"><c>ready</c> (200) or <c>not_ready</c> (503).</param>
/// <param name="Checks">Each check; the ones with <see cref="ReadinessCheck.Ready"/> false say what is not ready.</param>
public sealed record ReadinessReport(string Status, IReadOnlyList<ReadinessCheck> Checks);

/// <summary>One readiness check.</summary>
/// <param name="Name"><c>redis</c>, <c>keyspace_notifications</c> or <c>sources</c>.</param>
/// <param name="Ready">Whether it passes.</param>
/// <param name="Detail">What was found, in words.</param>
public sealed record ReadinessCheck(string Name, bool Ready, string Detail);
