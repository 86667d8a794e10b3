namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    /// <summary>
    /// Whether notifications reach this process and how the tracker knows: the last beacon's event (the proof that
    /// works everywhere), else the flags CONFIG GET read; or what is missing, naming the flags to set.
    /// </summary>
    public NotificationStatus Notifications
    {
        get
        {
            var config = _config;
            var beacon = _beacon;
            if (config?.Verdict == ConfigVerdict.Off)
            {
                return new NotificationStatus(false, config.Detail);
            }

            var unreadable = config?.Verdict == ConfigVerdict.Unreadable;
            return beacon.Verdict switch
            {
                BeaconVerdict.Heard => new NotificationStatus(true, unreadable
                    ? $"{beacon.Detail} (CONFIG is refused on {config!.Detail}, so the beacon's event is the evidence)"
                    : $"{beacon.Detail}; {config?.Detail ?? "flags not read yet"}"),
                BeaconVerdict.Missed => new NotificationStatus(false, unreadable
                    ? $"{beacon.Detail}, and CONFIG is refused on {config!.Detail}: set notify-keyspace-events to include '{_options.RequiredFlags}' in the server's configuration (for a managed service, its parameter group)"
                    : $"{beacon.Detail}: notify-keyspace-events must include '{_options.RequiredFlags}' on every primary (the worker sets it when it may) and the subscription must be up"),
                BeaconVerdict.Failed => new NotificationStatus(false, beacon.Detail),
                _ when config is null => new NotificationStatus(false, "not checked yet: the first resync has not run"),
                _ when unreadable => new NotificationStatus(false, $"CONFIG is refused on {config.Detail}; waiting for a beacon write's keyspace event to show notifications arrive"),
                _ => new NotificationStatus(true, config.Detail),
            };
        }
    }

    /// <summary>True once keyspace notifications are enabled and subscribed on every primary, as far as the tracker knows.</summary>
    public bool NotificationsActive => Notifications.Active;

    private enum BeaconVerdict
    {
        None,
        Heard,
        Missed,
        Failed,
    }

    private enum ConfigVerdict
    {
        On,
        Off,
        Unreadable,
    }

    private sealed record BeaconEvidence(BeaconVerdict Verdict, string Detail);

    private sealed record ConfigEvidence(ConfigVerdict Verdict, string Detail);
}
