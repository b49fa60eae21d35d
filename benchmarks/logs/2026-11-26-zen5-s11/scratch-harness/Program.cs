using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using Vae.Simd.Kernels;
if (args is ["big", var nn, var ss, var ff]) { Big.Run(int.Parse(nn), double.Parse(ss), ff); return; }
if (args is ["l1"]) { Console.WriteLine(CacheSizes.L1DataBytes); return; }
if (args is ["adam"]) { AdamW.Run(); return; }
if (args is ["shapes"]) { Shapes.Run(); return; }
unsafe
{
    int kc = args.Length > 0 ? int.Parse(args[0]) : 192;
    int mrows = 16;
    float* a = (float*)NativeMemory.AlignedAlloc((nuint)(kc * 16 * 4 + 64), 64);
    float* b = (float*)NativeMemory.AlignedAlloc((nuint)(kc * 32 * 4 + 64), 64);
    float* c = (float*)NativeMemory.AlignedAlloc((nuint)(16 * 32 * 4 + 64), 64);
    for (int i = 0; i < kc * 16; i++) a[i] = 1e-3f * (i % 7);
    for (int i = 0; i < kc * 32; i++) b[i] = 1e-3f * (i % 5);
    for (int i = 0; i < 16 * 32; i++) c[i] = 0;
    var k8 = GemmMicroKernels.Kernel(GemmPath.Vector512, false);
    for (int round = 0; round < 6; round++)
    {
        // FMA peak: independent chains
        var sw = Stopwatch.StartNew();
        long iters = 20_000_000;
        Peak(iters);
        double peak = iters * 16.0 * 32 / sw.Elapsed.TotalSeconds / 1e9; // 16 fma x 16 lanes x 2 flop
        sw.Restart();
        int calls = 400_000;
        for (int r = 0; r < calls; r++) k8(kc, a, b, 32, c, 32, c, 32);
        double k8r = (double)calls * kc * 8 * 32 * 2 / sw.Elapsed.TotalSeconds / 1e9;
        sw.Restart();
        for (int r = 0; r < calls * 2 / 3; r++) Tile12.Run(kc, a, b, 32, c, 32);
        double k12r = (double)(calls * 2 / 3) * kc * 12 * 32 * 2 / sw.Elapsed.TotalSeconds / 1e9;
        Console.WriteLine($"kc {kc}: peak {peak:F1} GFLOP/s, 8x32 {k8r:F1} ({k8r / peak:P1}), 12x32 {k12r:F1} ({k12r / peak:P1})");
    }
}

static void Peak(long iters)
{
    var x = Vector512.Create(1.0f); var y = Vector512.Create(0.999f);
    Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
    Vector512<float> s8 = default, s9 = default, s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default;
    for (long i = 0; i < iters; i++)
    {
        s0 = Vector512.FusedMultiplyAdd(s0, y, x); s1 = Vector512.FusedMultiplyAdd(s1, y, x); s2 = Vector512.FusedMultiplyAdd(s2, y, x); s3 = Vector512.FusedMultiplyAdd(s3, y, x);
        s4 = Vector512.FusedMultiplyAdd(s4, y, x); s5 = Vector512.FusedMultiplyAdd(s5, y, x); s6 = Vector512.FusedMultiplyAdd(s6, y, x); s7 = Vector512.FusedMultiplyAdd(s7, y, x);
        s8 = Vector512.FusedMultiplyAdd(s8, y, x); s9 = Vector512.FusedMultiplyAdd(s9, y, x); s10 = Vector512.FusedMultiplyAdd(s10, y, x); s11 = Vector512.FusedMultiplyAdd(s11, y, x);
        s12 = Vector512.FusedMultiplyAdd(s12, y, x); s13 = Vector512.FusedMultiplyAdd(s13, y, x); s14 = Vector512.FusedMultiplyAdd(s14, y, x); s15 = Vector512.FusedMultiplyAdd(s15, y, x);
    }
    var t = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 + s8 + s9 + s10 + s11 + s12 + s13 + s14 + s15;
    if (t[0] == 12345) Console.WriteLine();
}

static unsafe class Tile12
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, nint ldb, float* c, nint ldc)
    {
        Vector512<float> r00 = Vector512.Load(c), r01 = Vector512.Load(c + 16), r10 = Vector512.Load(c + ldc), r11 = Vector512.Load(c + ldc + 16),
            r20 = Vector512.Load(c + 2 * ldc), r21 = Vector512.Load(c + 2 * ldc + 16), r30 = Vector512.Load(c + 3 * ldc), r31 = Vector512.Load(c + 3 * ldc + 16),
            r40 = Vector512.Load(c + 4 * ldc), r41 = Vector512.Load(c + 4 * ldc + 16), r50 = Vector512.Load(c + 5 * ldc), r51 = Vector512.Load(c + 5 * ldc + 16),
            r60 = Vector512.Load(c + 6 * ldc), r61 = Vector512.Load(c + 6 * ldc + 16), r70 = Vector512.Load(c + 7 * ldc), r71 = Vector512.Load(c + 7 * ldc + 16),
            r80 = Vector512.Load(c + 8 * ldc), r81 = Vector512.Load(c + 8 * ldc + 16), r90 = Vector512.Load(c + 9 * ldc), r91 = Vector512.Load(c + 9 * ldc + 16),
            ra0 = Vector512.Load(c + 10 * ldc), ra1 = Vector512.Load(c + 10 * ldc + 16), rb0 = Vector512.Load(c + 11 * ldc), rb1 = Vector512.Load(c + 11 * ldc + 16);
        for (int k = 0; k < kc; k++, a += 12, b += ldb)
        {
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); r00 = Vector512.FusedMultiplyAdd(x, b0, r00); r01 = Vector512.FusedMultiplyAdd(x, b1, r01);
            x = Vector512.Create(a[1]); r10 = Vector512.FusedMultiplyAdd(x, b0, r10); r11 = Vector512.FusedMultiplyAdd(x, b1, r11);
            x = Vector512.Create(a[2]); r20 = Vector512.FusedMultiplyAdd(x, b0, r20); r21 = Vector512.FusedMultiplyAdd(x, b1, r21);
            x = Vector512.Create(a[3]); r30 = Vector512.FusedMultiplyAdd(x, b0, r30); r31 = Vector512.FusedMultiplyAdd(x, b1, r31);
            x = Vector512.Create(a[4]); r40 = Vector512.FusedMultiplyAdd(x, b0, r40); r41 = Vector512.FusedMultiplyAdd(x, b1, r41);
            x = Vector512.Create(a[5]); r50 = Vector512.FusedMultiplyAdd(x, b0, r50); r51 = Vector512.FusedMultiplyAdd(x, b1, r51);
            x = Vector512.Create(a[6]); r60 = Vector512.FusedMultiplyAdd(x, b0, r60); r61 = Vector512.FusedMultiplyAdd(x, b1, r61);
            x = Vector512.Create(a[7]); r70 = Vector512.FusedMultiplyAdd(x, b0, r70); r71 = Vector512.FusedMultiplyAdd(x, b1, r71);
            x = Vector512.Create(a[8]); r80 = Vector512.FusedMultiplyAdd(x, b0, r80); r81 = Vector512.FusedMultiplyAdd(x, b1, r81);
            x = Vector512.Create(a[9]); r90 = Vector512.FusedMultiplyAdd(x, b0, r90); r91 = Vector512.FusedMultiplyAdd(x, b1, r91);
            x = Vector512.Create(a[10]); ra0 = Vector512.FusedMultiplyAdd(x, b0, ra0); ra1 = Vector512.FusedMultiplyAdd(x, b1, ra1);
            x = Vector512.Create(a[11]); rb0 = Vector512.FusedMultiplyAdd(x, b0, rb0); rb1 = Vector512.FusedMultiplyAdd(x, b1, rb1);
        }
        r00.Store(c); r01.Store(c + 16); r10.Store(c + ldc); r11.Store(c + ldc + 16); r20.Store(c + 2 * ldc); r21.Store(c + 2 * ldc + 16);
        r30.Store(c + 3 * ldc); r31.Store(c + 3 * ldc + 16); r40.Store(c + 4 * ldc); r41.Store(c + 4 * ldc + 16); r50.Store(c + 5 * ldc); r51.Store(c + 5 * ldc + 16);
        r60.Store(c + 6 * ldc); r61.Store(c + 6 * ldc + 16); r70.Store(c + 7 * ldc); r71.Store(c + 7 * ldc + 16); r80.Store(c + 8 * ldc); r81.Store(c + 8 * ldc + 16);
        r90.Store(c + 9 * ldc); r91.Store(c + 9 * ldc + 16); ra0.Store(c + 10 * ldc); ra1.Store(c + 10 * ldc + 16); rb0.Store(c + 11 * ldc); rb1.Store(c + 11 * ldc + 16);
    }
}
