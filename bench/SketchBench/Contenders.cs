using System.Diagnostics;
using System.Runtime.InteropServices;
using CacheWarmer.HotKeyTracker.Hotness;

namespace CacheWarmer.SketchBench;

/// <summary>The timed loops: only the update itself runs between the stopwatch's start and stop.</summary>
internal static class Contenders
{
    public static readonly DateTimeOffset Origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Updates per second of <see cref="DecayedSpaceSaving.Add"/> over the stream, from an empty sketch.</summary>
    /// <remarks>Time advances 1 ms every <paramref name="perTimestamp"/> updates, as entries of a sample stream do.</remarks>
    public static Rate SketchIngest(string[] stream, int capacity, TimeSpan halfLife, int perTimestamp)
    {
        var sketch = new DecayedSpaceSaving(capacity, halfLife, Origin);
        var at = Origin;
        var cpu = Environment.CpuUsage.UserTime;
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < stream.Length; start += perTimestamp)
        {
            var end = Math.Min(start + perTimestamp, stream.Length);
            for (var i = start; i < end; i++)
            {
                sketch.Add(stream[i], 1, at);
            }

            at = at.AddTicks(TimeSpan.TicksPerMillisecond);
        }

        watch.Stop();
        GC.KeepAlive(sketch);
        return new Rate(stream.Length / watch.Elapsed.TotalSeconds, stream.Length / (Environment.CpuUsage.UserTime - cpu).TotalSeconds);
    }

    /// <summary>Updates per second of an exact <c>Dictionary&lt;string, double&gt;</c> counter: the reference.</summary>
    public static Rate ExactIngest(string[] stream)
    {
        var counts = new Dictionary<string, double>();
        var cpu = Environment.CpuUsage.UserTime;
        var watch = Stopwatch.StartNew();
        foreach (var key in stream)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _) += 1;
        }

        watch.Stop();
        GC.KeepAlive(counts);
        return new Rate(stream.Length / watch.Elapsed.TotalSeconds, stream.Length / (Environment.CpuUsage.UserTime - cpu).TotalSeconds);
    }

    /// <summary>Managed heap held by a sketch with every counter in use, key strings included.</summary>
    public static long SketchBytes(int capacity, TimeSpan halfLife) =>
        HeldBytes(() =>
        {
            var sketch = new DecayedSpaceSaving(capacity, halfLife, Origin);
            for (var i = 1; i <= capacity; i++)
            {
                sketch.Add(Key(i), 1, Origin);
            }

            return sketch;
        });

    /// <summary>Managed heap held by an exact counter of <paramref name="keys"/> keys, key strings included.</summary>
    public static long ExactBytes(int keys) =>
        HeldBytes(() =>
        {
            var counts = new Dictionary<string, double>();
            for (var i = 1; i <= keys; i++)
            {
                counts[Key(i)] = 1;
            }

            return counts;
        });

    private static string Key(int i) => "product:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static long HeldBytes(Func<object> build)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var built = build();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(built);
        return after - before;
    }
}

/// <summary>Updates per second of one timed pass, by the wall clock and by the process's user CPU time.</summary>
/// <remarks>On a shared virtual machine the CPU time leaves out the time the host gave to other guests.</remarks>
internal readonly record struct Rate(double Wall, double Cpu);
