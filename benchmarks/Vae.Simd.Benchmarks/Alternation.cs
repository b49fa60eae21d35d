using System.Diagnostics;

namespace Vae.Simd.Benchmarks;

/// <summary>Several runs timed round by round in one process, so that every side of a comparison sees the same machine.</summary>
internal static class Alternation
{
    /// <summary>
    /// Median rate of each run (its <paramref name="work"/> per call × calls per second ÷ 10⁹: GFLOP/s for FLOPs, parameters per
    /// ns for parameters) and the median per-round ratio of each run's rate to the first's. Each turn repeats a run for at least
    /// <paramref name="secondsPerTurn"/>; five calls of each warm up first.
    /// </summary>
    public static (double[] Rates, double[] Ratios) Run(Action[] runs, double[] work, int rounds, double secondsPerTurn = 0.03)
    {
        var rates = runs.Select(_ => new List<double>()).ToArray();
        var ratios = runs.Select(_ => new List<double>()).ToArray();
        foreach (var run in runs) for (int i = 0; i < 5; i++) run();
        for (int round = 0; round < rounds; round++)
        {
            var now = new double[runs.Length];
            for (int i = 0; i < runs.Length; i++)
            {
                var clock = Stopwatch.StartNew();
                int n = 0;
                do { runs[i](); n++; } while (clock.Elapsed.TotalSeconds < secondsPerTurn);
                now[i] = work[i] * n / clock.Elapsed.TotalSeconds / 1e9;
                rates[i].Add(now[i]);
            }
            for (int i = 0; i < runs.Length; i++) ratios[i].Add(now[i] / now[0]);
        }
        return (rates.Select(Median).ToArray(), ratios.Select(Median).ToArray());
    }

    private static double Median(List<double> values) { values.Sort(); return values[values.Count / 2]; }
}
