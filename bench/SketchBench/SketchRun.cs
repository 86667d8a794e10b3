using System.Diagnostics;
using CacheWarmer.RefreshBench;
using CacheWarmer.TestUtils;

namespace CacheWarmer.SketchBench;

/// <summary>One run: draw the stream, time every contender in turn for each repetition, then measure memory and recall.</summary>
internal static class SketchRun
{
    public static SketchReport Run(BenchOptions options, TextWriter progress)
    {
        var total = Stopwatch.StartNew();
        var loadBefore = RunEnvironment.LoadAverage();
        progress.WriteLine($"Drawing {options.Updates:N0} keys from Zipf({options.Exponent}) over {options.Distinct:N0}...");
        var zipf = new ZipfKeys(options.Distinct, options.Exponent, options.Seed);
        var ranks = new int[options.Updates];
        var stream = new string[options.Updates];
        for (var i = 0; i < stream.Length; i++)
        {
            ranks[i] = zipf.NextRank();
            stream[i] = zipf.Key(ranks[i]);
        }

        var distinctSeen = ranks.Distinct().Count();

        // Timed runs of each contender, interleaved so that the machine's noise falls on all of them alike.
        var contenders = new List<(string Name, Func<string[], Rate> Run)>();
        foreach (var capacity in options.Capacities)
        {
            contenders.Add(($"sketch {capacity}", s => Contenders.SketchIngest(s, capacity, options.HalfLife, options.PerTimestamp)));
        }

        foreach (var capacity in options.Capacities)
        {
            contenders.Add(($"sketch {capacity}, new time every update", s => Contenders.SketchIngest(s, capacity, options.HalfLife, 1)));
        }

        contenders.Add(("exact", Contenders.ExactIngest));

        progress.WriteLine("Warming up (JIT)...");
        var warmUp = stream[..Math.Min(stream.Length, 1_000_000)];
        foreach (var (_, run) in contenders)
        {
            run(warmUp);
        }

        var rates = contenders.ToDictionary(c => c.Name, _ => new List<Rate>());
        for (var repetition = 1; repetition <= options.Repetitions; repetition++)
        {
            foreach (var (name, run) in contenders)
            {
                var rate = run(stream);
                rates[name].Add(rate);
                progress.WriteLine($"  repetition {repetition}: {name,-42} {rate.Wall / 1e6,6:0.00} M updates/s ({rate.Cpu / 1e6:0.00} by CPU time)");
            }
        }

        progress.WriteLine("Memory and recall...");
        var sketchBytes = options.Capacities.ToDictionary(c => c, c => Contenders.SketchBytes(c, options.HalfLife));
        var exactBytes = Contenders.ExactBytes(options.Capacities[0]);
        var accuracy = options.Capacities.ToDictionary(c => c, c => Accuracy.Measure(stream, ranks, options.Distinct, c, options.TopK));

        return new SketchReport
        {
            Options = options,
            Machine = RunEnvironment.Read(),
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = RunEnvironment.LoadAverage(),
            DistinctSeen = distinctSeen,
            Rates = rates.ToDictionary(r => r.Key, r => r.Value.ToArray()),
            SketchBytes = sketchBytes,
            ExactBytes = exactBytes,
            Accuracy = accuracy,
            Total = total.Elapsed,
        };
    }
}
