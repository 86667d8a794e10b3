namespace CacheWarmer.Contracts.Http;

/// <summary>The answer to <c>POST /warm?wait=true</c> (200): the finished job and each key's outcome.</summary>
/// <param name="Id">The job.</param>
/// <param name="Total">Keys in the job.</param>
/// <param name="Done">Keys finished.</param>
/// <param name="Failed">Keys whose load failed.</param>
/// <param name="State"><c>completed</c>, or <c>cancelled</c> when the replica stopped first.</param>
/// <param name="Keys">Each key's outcome, in the order of the request.</param>
public sealed record WarmResult(string Id, int Total, int Done, int Failed, string State, IReadOnlyList<WarmKeyResult> Keys);

/// <summary>How warming one key ended.</summary>
/// <param name="Key">The key.</param>
/// <param name="Outcome">
/// <c>loaded</c> (loaded and written now), <c>already_warm</c> (it was there; nothing loaded), <c>not_found</c> (the
/// query found no row; nothing written), <c>permanent</c> (the key has no TTL; left alone), <c>failed</c> (the load
/// failed; retried while the key stays pinned), or <c>pending</c> (not reached: the job was cancelled).
/// </param>
public sealed record WarmKeyResult(string Key, string Outcome);
