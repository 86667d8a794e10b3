using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Loaders;

namespace CacheWarmer.Worker.Tests.Loaders;

/// <summary>The worker's own entries pass the layout check it applies to the apps'; other layouts are named.</summary>
public class EntryLayoutsTests
{
    private const string Fields = "absexp,data,sldexp";
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddYears(56);

    [Fact]
    public void The_workers_own_entries_are_known()
    {
        var hybrid = HybridCacheEntry.Wrap("{\"Id\":1}"u8.ToArray(), "product:1", Now, TimeSpan.FromMinutes(5));
        var fusion = FusionCacheEntry.Wrap("{\"Id\":1}"u8.ToArray(), Now, Now.AddMinutes(5));

        Assert.Null(EntryLayouts.Unknown(ValueFormat.HybridCache, Fields, hybrid.AsSpan(0, 9), hybrid.AsSpan(^2)));
        Assert.Null(EntryLayouts.Unknown(ValueFormat.FusionCache, Fields, fusion.AsSpan(0, 9), fusion.AsSpan(^2)));
        Assert.Null(EntryLayouts.Unknown(ValueFormat.DistributedCache, Fields, "anything"u8, "ng"u8));
    }

    [Fact]
    public void Another_layout_is_named_by_what_was_found()
    {
        Assert.Equal(
            "data starting 7B2256616C7565223A, not HybridCache's payload (0301... 0301)",
            EntryLayouts.Unknown(ValueFormat.HybridCache, Fields, "{\"Value\":"u8, "}}"u8));
        Assert.Equal(
            "data starting ..Value.., not FusionCache's System.Text.Json entry ({\"Value\":...)",
            EntryLayouts.Unknown(ValueFormat.FusionCache, Fields, [0x85, 0xa5, .. "Value"u8, 0x01, 0x02], [0x01, 0x02]));
        Assert.Equal(
            "a hash of the fields absexp,data,sldexp,version, where RedisCache keeps absexp,data,sldexp",
            EntryLayouts.Unknown(ValueFormat.DistributedCache, "absexp,data,sldexp,version", "row"u8, "ow"u8));
        Assert.Null(EntryLayouts.Unknown(ValueFormat.String, "", [], []));
    }
}
