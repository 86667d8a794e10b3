using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Loaders;
using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Options;

namespace CacheWarmer.Worker.Keys;

/// <summary>
/// Decides which keys are managed. A loader key enters when even the low end of its rate estimate reaches
/// <c>MinRatePerMinute</c> (Space-Saving over-counts a newcomer by up to its error, so the low end keeps the long
/// tail out); it leaves only after its rate (the high end) has stayed under half the threshold for <c>CoolDown</c>.
/// The gap between the two thresholds and the cooling time keep a key near the threshold from flapping. Pinned keys
/// stay until their pin ends, and cool down from then.
/// </summary>
internal sealed class HotKeyPolicy(LoaderCatalog catalog, ReplicaMembership membership, IOptions<HotKeysOptions> options)
{
    /// <summary>A managed key stays hot while its rate is at least this fraction of the threshold.</summary>
    public const double ExitFraction = 0.5;

    private readonly HotKeysOptions _options = options.Value;

    /// <summary>The rate under which a managed key starts to cool down; the model is asked for every key above it.</summary>
    public double ExitRate => _options.MinRatePerMinute * ExitFraction;

    /// <summary>True when every loader key with a TTL is managed (<c>MinRatePerMinute</c> 0).</summary>
    public bool ManagesEveryKey => _options.MinRatePerMinute <= 0;

    /// <summary>
    /// Given the model's keys read at least <see cref="ExitRate"/> (in any order; keys under it may be included) and
    /// the managed ones, marks the managed keys still hot and returns the keys to start managing (hottest first, within
    /// capacity) and the keys that cooled down.
    /// </summary>
    public HotKeyDecision Decide(IReadOnlyList<HotKeyEstimate> estimates, IReadOnlyDictionary<string, ManagedKey> managed, DateTimeOffset now)
    {
        var candidates = new List<(HotKeyEstimate Estimate, Loader Loader)>();
        foreach (var estimate in estimates)
        {
            if (managed.TryGetValue(estimate.Key, out var key))
            {
                if (estimate.RatePerMinute >= ExitRate)
                {
                    key.LastHot = now;
                }
            }
            else if (estimate.RatePerMinute - estimate.ErrorPerMinute >= _options.MinRatePerMinute
                && membership.RoleOf(estimate.Key) != KeyRole.None
                && catalog.Match(estimate.Key) is { } match)
            {
                candidates.Add((estimate, match.Loader));
            }
        }

        var room = Math.Max(0, _options.Capacity - managed.Count);
        var enter = candidates
            .OrderByDescending(c => c.Estimate.RatePerMinute)
            .Take(room)
            .Select(c => (c.Estimate.Key, c.Loader))
            .ToList();

        var leave = new List<string>();
        if (!ManagesEveryKey)
        {
            foreach (var (name, key) in managed)
            {
                var hotUntil = key.LastHot > key.PinnedUntil ? key.LastHot : key.PinnedUntil;
                if (now - hotUntil >= _options.CoolDown)
                {
                    leave.Add(name);
                }
            }
        }

        return new HotKeyDecision(enter, leave);
    }

    /// <summary>True when one more key may be managed.</summary>
    public bool HasRoom(int managed) => managed < _options.Capacity;

    /// <summary>True when one more key may be pinned: pins may take the managed keys <c>PinnedCapacity</c> past <c>Capacity</c>.</summary>
    public bool HasRoomForPin(int managed) => managed < (long)_options.Capacity + _options.PinnedCapacity;
}

/// <summary>What one evaluation of the policy changes.</summary>
/// <param name="Enter">Keys to start managing, with their loaders.</param>
/// <param name="Leave">Managed keys that cooled down.</param>
internal sealed record HotKeyDecision(IReadOnlyList<(string Key, Loader Loader)> Enter, IReadOnlyList<string> Leave);

/// <summary>The state of one managed key, owned by the <see cref="ManagedKeys"/> loop.</summary>
/// <remarks>
/// One lives per managed key, so its times are kept as UTC ticks (<see cref="UtcTicks"/>), and it holds the one instance
/// of the key's name that the loop hands to the schedule and the index: 72 bytes and one string a key, where
/// <see cref="DateTimeOffset"/> fields and each event's own copy of the name took 104 bytes and two strings.
/// </remarks>
internal sealed class ManagedKey(string name, Loader loader, DateTimeOffset since)
{
    private long _expiry;
    private long _fireAt;
    private long _lastHot = since.UtcTicks;
    private long _pinnedUntil = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>The key.</summary>
    public string Name { get; } = name;

    public Loader Loader { get; } = loader;

    /// <summary>The expiry the next refresh is planned against; null while the key is missing.</summary>
    public DateTimeOffset? Expiry
    {
        get => UtcTicks.AtOrNull(_expiry);
        set => _expiry = UtcTicks.Of(value);
    }

    /// <summary>When the next refresh fires.</summary>
    public DateTimeOffset FireAt
    {
        get => UtcTicks.At(_fireAt);
        set => _fireAt = value.UtcTicks;
    }

    /// <summary>The last time the policy found the key hot (or when it became managed).</summary>
    public DateTimeOffset LastHot
    {
        get => UtcTicks.At(_lastHot);
        set => _lastHot = value.UtcTicks;
    }

    /// <summary>The key stays managed at least until then (a pin from configuration or an ops warm).</summary>
    public DateTimeOffset PinnedUntil
    {
        get => UtcTicks.At(_pinnedUntil);
        set => _pinnedUntil = value.UtcTicks;
    }

    /// <summary>This replica's role for the key among the live replicas, when it was last planned.</summary>
    public KeyRole Role { get; set; }

    /// <summary>Refreshes in a row, since the last write, that found nothing to keep warm (no row, or no TTL): a pinned key's backoff.</summary>
    public int Absences { get; set; }
}
