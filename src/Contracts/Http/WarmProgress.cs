namespace CacheWarmer.Contracts.Http;

/// <summary>The progress of a warm job (<c>GET /warm/{id}</c>).</summary>
/// <param name="Id">The job.</param>
/// <param name="Total">Keys in the job.</param>
/// <param name="Done">Keys finished, whatever their outcome (so failed ones included).</param>
/// <param name="Failed">Keys whose load failed.</param>
/// <param name="State"><c>running</c>, <c>completed</c> or <c>cancelled</c> (the replica stopped).</param>
/// <param name="Outcomes">Finished keys by outcome (see <see cref="WarmKeyResult.Outcome"/>).</param>
public sealed record WarmProgress(string Id, int Total, int Done, int Failed, string State, IReadOnlyDictionary<string, int> Outcomes);
