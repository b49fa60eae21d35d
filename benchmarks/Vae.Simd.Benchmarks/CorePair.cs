using System.Diagnostics;
using System.Runtime.InteropServices;
using Vae.Simd.Kernels;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// Whether two busy threads each get a whole core's fused multiply-add rate. Two-thread training is about two cores'
/// worth of FMAs; if the host runs the two virtual CPUs on one physical core's two hardware threads, or a neighbour shares
/// them, each thread gets less, and no threading in the library can win it back. A scalar loop need not show this (it uses
/// a small share of a core's units), so this runs independent vector FMAs of the GEMM's width, one thread alone, then two
/// at once.
/// </summary>
internal static unsafe class CorePair
{
    private const int StepsPerCall = 200_000;

    public static void Run(int rounds, double seconds)
    {
        int width = GemmPaths.Best switch { GemmPath.Vector512 => 16, GemmPath.Vector256 => 8, _ => 4 };
        double flopsPerCall = 2.0 * 12 * width * StepsPerCall;
        float* sink = (float*)NativeMemory.AlignedAlloc(64 * 2, 64);
        var ratios = new List<double>();
        Console.WriteLine($"independent {32 * width}-bit fused multiply-adds, GFLOP/s per thread, {seconds:F2} s per turn");
        for (int round = 1; round <= rounds; round++)
        {
            double alone = Rate(sink, width, seconds, flopsPerCall);
            double[] both = new double[2];
            using var start = new Barrier(2);
            var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                both[t] = Rate(sink + 16 * t, width, seconds, flopsPerCall);
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            double ratio = (both[0] + both[1]) / 2 / alone;
            ratios.Add(ratio);
            Console.WriteLine($"round {round}: alone {alone:F1}; two at once {both[0]:F1} + {both[1]:F1}; each is {ratio:F2} of alone");
        }
        ratios.Sort();
        Console.WriteLine($"two at once / alone: median {ratios[ratios.Count / 2]:F2}, min {ratios[0]:F2}, max {ratios[^1]:F2} " +
                          "(1.0: two whole cores; about 0.5–0.65: two hardware threads of one core, or a neighbour on them)");
        NativeMemory.AlignedFree(sink);
    }

    private static double Rate(float* sink, int width, double seconds, double flopsPerCall)
    {
        GemmLayoutCosts.IndependentFmas(StepsPerCall, width, sink);
        var clock = Stopwatch.StartNew();
        int calls = 0;
        do { GemmLayoutCosts.IndependentFmas(StepsPerCall, width, sink); calls++; } while (clock.Elapsed.TotalSeconds < seconds);
        return flopsPerCall * calls / clock.Elapsed.TotalSeconds / 1e9;
    }
}
