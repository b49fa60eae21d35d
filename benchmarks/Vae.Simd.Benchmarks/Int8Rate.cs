using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// `int8-rate [rounds=5]`: the ceilings of int8 inference on this core, one thread. First the peak rates: 12 independent
/// chains of 256-bit <c>vpdpbusd</c> (32 multiply-adds each; .NET 10 has no 512-bit VNNI for a processor without AVX10)
/// beside 12 chains of fused multiply-adds of the GEMM's width. Then <see cref="GemvInt8.Forward"/> on the canonical VAE's
/// four layer shapes at batch 1000, quantization of the inputs and the scaling back included, in multiply-adds per second.
/// </summary>
internal static unsafe class Int8Rate
{
    private const long Steps = 50_000_000;

    public static void Run(int rounds)
    {
        Console.WriteLine($"AVX-VNNI {AvxVnni.IsSupported}, AVX-512 {Vector512.IsHardwareAccelerated}, int8 kernel {GemvInt8.Best}");
        if (AvxVnni.IsSupported)
            for (int round = 1; round <= rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                int vnniSink = Vnni(Steps, round);
                double vnni = 12.0 * Steps / clock.Elapsed.TotalSeconds;
                clock.Restart();
                float fmaSink = Vector512.IsHardwareAccelerated ? Fma<V512>(Steps, round) : Fma<V256>(Steps, round);
                double fma = 12.0 * Steps / clock.Elapsed.TotalSeconds;
                int lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
                Console.WriteLine($"round {round}: vpdpbusd ymm {vnni / 1e9:F2} G/s = {vnni * 32 / 1e9:F0} GMAC/s; " +
                    $"FMA {lanes * 32}-bit {fma / 1e9:F2} G/s = {fma * lanes / 1e9:F0} GMAC/s  ({vnniSink & 1}{(fmaSink > 0 ? 1 : 0)})");
            }
        foreach (var (k, n) in new[] { (784, 400), (400, 20), (20, 400), (400, 784) })
        {
            const int rows = 1000;
            var random = new SeededRandom(2);
            var wt = new float[k * n];
            foreach (ref var v in wt.AsSpan()) v = random.NextUniform(-0.5f, 0.5f);
            var words = new uint[Int8Columns.QuadRows(k) * n];
            var scales = new float[n];
            var sums = new int[n];
            GemvInt8.QuantizeColumns(wt, k, n, words, scales, sums);
            var w = new Int8Columns(words, scales, sums, k, n, n);
            var x = new float[rows * k];
            foreach (ref var v in x.AsSpan()) v = random.NextSingle();
            float[] y = new float[rows * n], bias = new float[n];
            var times = new List<double>();
            for (int call = 0; call < 3 + 10 * rounds; call++)
            {
                var clock = Stopwatch.StartNew();
                GemvInt8.Forward(new ReadOnlyMatrixSpan(x, rows, k), w, bias, new MatrixSpan(y, rows, n));
                if (call >= 3) times.Add(clock.Elapsed.TotalMicroseconds);
            }
            times.Sort();
            Console.WriteLine($"{rows} × {k} → {n}: median {times[times.Count / 2]:F0} µs, best {times[0]:F0} µs = {(double)rows * k * n / times[0] / 1e3:F0} GMAC/s");
        }
    }

    [MethodImpl(HotPath.Kernel)]
    private static int Vnni(long steps, int seed)
    {
        var x = Vector256.Create((byte)seed);
        var w = Vector256.Create((sbyte)1);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<int> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < steps; i++)
        {
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, w); a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, w);
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, w); a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, w);
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, x, w); a5 = AvxVnni.MultiplyWideningAndAdd(a5, x, w);
            a6 = AvxVnni.MultiplyWideningAndAdd(a6, x, w); a7 = AvxVnni.MultiplyWideningAndAdd(a7, x, w);
            a8 = AvxVnni.MultiplyWideningAndAdd(a8, x, w); a9 = AvxVnni.MultiplyWideningAndAdd(a9, x, w);
            a10 = AvxVnni.MultiplyWideningAndAdd(a10, x, w); a11 = AvxVnni.MultiplyWideningAndAdd(a11, x, w);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement(0);
    }

    /// <summary>12 chains of fused multiply-adds of one width (<see cref="ISimdVector{TSelf}.MultiplyAdd"/>: fused here).</summary>
    [MethodImpl(HotPath.Kernel)]
    private static float Fma<TV>(long steps, int seed) where TV : struct, ISimdVector<TV>
    {
        TV x = TV.Create(seed), w = TV.Create(1.0000001f);
        TV a0 = TV.Create(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < steps; i++)
        {
            a0 = TV.MultiplyAdd(a0, w, x); a1 = TV.MultiplyAdd(a1, w, x); a2 = TV.MultiplyAdd(a2, w, x); a3 = TV.MultiplyAdd(a3, w, x);
            a4 = TV.MultiplyAdd(a4, w, x); a5 = TV.MultiplyAdd(a5, w, x); a6 = TV.MultiplyAdd(a6, w, x); a7 = TV.MultiplyAdd(a7, w, x);
            a8 = TV.MultiplyAdd(a8, w, x); a9 = TV.MultiplyAdd(a9, w, x); a10 = TV.MultiplyAdd(a10, w, x); a11 = TV.MultiplyAdd(a11, w, x);
        }
        return TV.Sum(TV.Add(TV.Add(TV.Add(a0, a1), TV.Add(a2, a3)), TV.Add(TV.Add(TV.Add(a4, a5), TV.Add(a6, a7)), TV.Add(TV.Add(a8, a9), TV.Add(a10, a11)))));
    }
}
