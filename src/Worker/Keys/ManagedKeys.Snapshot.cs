using System.Collections.Concurrent;

namespace CacheWarmer.Worker.Keys;

internal sealed partial class ManagedKeys
{
    // A copy of each managed key's next fire time for readers on other threads (GET /hotkeys); the loop's own state
    // stays lock-free. Written only by the loop, next to every change of that state.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _published = new(StringComparer.Ordinal);

    /// <summary>
    /// True when <paramref name="key"/> is managed; <paramref name="nextRefresh"/> is then when its next refresh fires.
    /// Safe from any thread; may lag the loop by one step.
    /// </summary>
    public bool TryGetNextRefresh(string key, out DateTimeOffset nextRefresh) => _published.TryGetValue(key, out nextRefresh);

    /// <summary>The managed keys, as last published; safe from any thread, enumerated without a copy.</summary>
    public IEnumerable<string> ManagedKeyNames() => _published.Select(p => p.Key);

    private void Publish(string key, DateTimeOffset fireAt) => _published[key] = fireAt;

    private void Unpublish(string key) => _published.TryRemove(key, out _);
}
