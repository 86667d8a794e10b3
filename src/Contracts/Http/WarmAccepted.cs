namespace CacheWarmer.Contracts.Http;

/// <summary>The answer to <c>POST /warm</c> (202): the job warming the keys in the background.</summary>
/// <param name="Id">The job; its progress is at <c>GET /warm/{id}</c> on the same replica.</param>
/// <param name="Accepted">How many distinct keys the job warms.</param>
public sealed record WarmAccepted(string Id, int Accepted);
