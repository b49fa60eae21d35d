using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vae.Simd.Common;

namespace Vae.Simd.Kernels;

/// <summary>
/// The only instruction-set-specific part of the GEMM (as in BLIS): each micro-kernel adds
/// A·B to an MR×NR tile of C (or, in its <see cref="Overwrite"/> form, writes it there), where A is a packed MR-row panel laid out [k][MR] and B is
/// kc rows of NR contiguous values, <c>ldb</c> apart (packed, or the caller's own rows).
/// The tile lives in registers for the whole k loop.
/// </summary>
internal static unsafe partial class GemmMicroKernels
{
    /// <summary>Register-block shape and cache-block depth of each path.</summary>
    internal readonly record struct Geometry(int MR, int NR, int KC);

    public static Geometry For(GemmPath path) => path switch
    {
        // 8×32: 16 zmm accumulators, two B loads and a broadcast leave room in the 32 registers.
        // KC keeps a B micro-panel (KC×NR floats = 16 KiB) within half of a 32 KiB L1.
        GemmPath.Vector512 => new Geometry(8, 32, 128),
        // 6×16: 12 ymm accumulators + 2 B vectors + 1 broadcast = 15 of 16 registers.
        GemmPath.Vector256 => new Geometry(6, 16, 256),
        // 4×8: 8 xmm accumulators + 2 B vectors + 1 broadcast fit the 16 registers of SSE (and leave room on Arm's 32).
        GemmPath.Vector128 => new Geometry(4, 8, 256),
        _ => new Geometry(4, 4, 256),
    };

    /// <summary>The micro-kernel of <paramref name="path"/>: C tile += A·B, or, with <paramref name="overwrite"/>, C tile = A·B
    /// without reading the tile (the first depth block of a product that replaces C: nothing to clear beforehand). Starting
    /// from zero is the same chain of fused multiply-adds as clearing the tile and adding, so the bits are the same.</summary>
    public static delegate*<int, float*, float*, nint, float*, nint, void> Kernel(GemmPath path, bool overwrite) => (path, overwrite) switch
    {
        (GemmPath.Vector512, false) => &Kernel8x32<Accumulate>,
        (GemmPath.Vector512, true) => &Kernel8x32<Overwrite>,
        (GemmPath.Vector256, false) => &Kernel<Tile6x16, Accumulate>,
        (GemmPath.Vector256, true) => &Kernel<Tile6x16, Overwrite>,
        (GemmPath.Vector128, false) => &Kernel<Tile4x8, Accumulate>,
        (GemmPath.Vector128, true) => &Kernel<Tile4x8, Overwrite>,
        (_, false) => &Kernel4x4<Accumulate>,
        (_, true) => &Kernel4x4<Overwrite>,
    };

    /// <summary>A kernel of the same MR and half the NR, for the last panel when at most NR/2 columns remain
    /// (784 and 400 leave 16 after the 32-wide panels): half the wasted work, and no packing when B is read in place.
    /// Null where the full kernel is narrow enough.</summary>
    public static delegate*<int, float*, float*, nint, float*, nint, void> HalfKernel(GemmPath path, bool overwrite) => (path, overwrite) switch
    {
        (GemmPath.Vector512, false) => &Kernel8x16<Accumulate>,
        (GemmPath.Vector512, true) => &Kernel8x16<Overwrite>,
        (GemmPath.Vector256, false) => &Kernel<Tile6x8, Accumulate>,
        (GemmPath.Vector256, true) => &Kernel<Tile6x8, Overwrite>,
        (GemmPath.Vector128, false) => &Kernel<Tile4x4, Accumulate>,
        (GemmPath.Vector128, true) => &Kernel<Tile4x4, Overwrite>,
        _ => null,
    };

    /// <summary>How a kernel starts its tile, as a type, so the JIT compiles each kernel once per way with no branch left.</summary>
    internal interface ITileStart { static abstract bool LoadsC { get; } }
    /// <summary>C += A·B: the tile starts from C.</summary>
    internal struct Accumulate : ITileStart { public static bool LoadsC => true; }
    /// <summary>C = A·B: the tile starts from zero and C is only written.</summary>
    internal struct Overwrite : ITileStart { public static bool LoadsC => false; }

    /// <summary>A tile's starting values: C's, or zero.</summary>
    private static class Start<TStart> where TStart : struct, ITileStart
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load512(float* c) => TStart.LoadsC ? Vector512.Load(c) : Vector512<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load256(float* c) => TStart.LoadsC ? Vector256.Load(c) : Vector256<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Load128(float* c) => TStart.LoadsC ? Vector128.Load(c) : Vector128<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load(float* c) => TStart.LoadsC ? *c : 0f;
    }

    // The AVX-512 kernels still take one step of k per trip: moving them onto the four-step loop of the AVX2 and 128-bit
    // tiles (GemmMicroKernels.Tiles.cs) waits for an AVX-512 machine to measure it on.
    [MethodImpl(HotPath.Kernel)]
    private static void Kernel8x16<TStart>(int kc, float* a, float* b, nint ldb, float* c, nint ldc) where TStart : struct, ITileStart
    {
        Vector512<float> r0 = Start<TStart>.Load512(c), r1 = Start<TStart>.Load512(c + ldc), r2 = Start<TStart>.Load512(c + 2 * ldc), r3 = Start<TStart>.Load512(c + 3 * ldc);
        Vector512<float> r4 = Start<TStart>.Load512(c + 4 * ldc), r5 = Start<TStart>.Load512(c + 5 * ldc), r6 = Start<TStart>.Load512(c + 6 * ldc), r7 = Start<TStart>.Load512(c + 7 * ldc);
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b);
            r0 = Vector512.MultiplyAddEstimate(Vector512.Create(a[0]), b0, r0);
            r1 = Vector512.MultiplyAddEstimate(Vector512.Create(a[1]), b0, r1);
            r2 = Vector512.MultiplyAddEstimate(Vector512.Create(a[2]), b0, r2);
            r3 = Vector512.MultiplyAddEstimate(Vector512.Create(a[3]), b0, r3);
            r4 = Vector512.MultiplyAddEstimate(Vector512.Create(a[4]), b0, r4);
            r5 = Vector512.MultiplyAddEstimate(Vector512.Create(a[5]), b0, r5);
            r6 = Vector512.MultiplyAddEstimate(Vector512.Create(a[6]), b0, r6);
            r7 = Vector512.MultiplyAddEstimate(Vector512.Create(a[7]), b0, r7);
            a += 8;
            b += ldb;
        }
        r0.Store(c); r1.Store(c + ldc); r2.Store(c + 2 * ldc); r3.Store(c + 3 * ldc);
        r4.Store(c + 4 * ldc); r5.Store(c + 5 * ldc); r6.Store(c + 6 * ldc); r7.Store(c + 7 * ldc);
    }

    [MethodImpl(HotPath.Kernel)]
    private static void Kernel8x32<TStart>(int kc, float* a, float* b, nint ldb, float* c, nint ldc) where TStart : struct, ITileStart
    {
        float* c0 = c, c1 = c + ldc, c2 = c + 2 * ldc, c3 = c + 3 * ldc;
        float* c4 = c + 4 * ldc, c5 = c + 5 * ldc, c6 = c + 6 * ldc, c7 = c + 7 * ldc;
        Vector512<float> r00 = Start<TStart>.Load512(c0), r01 = Start<TStart>.Load512(c0 + 16);
        Vector512<float> r10 = Start<TStart>.Load512(c1), r11 = Start<TStart>.Load512(c1 + 16);
        Vector512<float> r20 = Start<TStart>.Load512(c2), r21 = Start<TStart>.Load512(c2 + 16);
        Vector512<float> r30 = Start<TStart>.Load512(c3), r31 = Start<TStart>.Load512(c3 + 16);
        Vector512<float> r40 = Start<TStart>.Load512(c4), r41 = Start<TStart>.Load512(c4 + 16);
        Vector512<float> r50 = Start<TStart>.Load512(c5), r51 = Start<TStart>.Load512(c5 + 16);
        Vector512<float> r60 = Start<TStart>.Load512(c6), r61 = Start<TStart>.Load512(c6 + 16);
        Vector512<float> r70 = Start<TStart>.Load512(c7), r71 = Start<TStart>.Load512(c7 + 16);
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]); r00 = Vector512.MultiplyAddEstimate(a0, b0, r00); r01 = Vector512.MultiplyAddEstimate(a0, b1, r01);
            var a1 = Vector512.Create(a[1]); r10 = Vector512.MultiplyAddEstimate(a1, b0, r10); r11 = Vector512.MultiplyAddEstimate(a1, b1, r11);
            var a2 = Vector512.Create(a[2]); r20 = Vector512.MultiplyAddEstimate(a2, b0, r20); r21 = Vector512.MultiplyAddEstimate(a2, b1, r21);
            var a3 = Vector512.Create(a[3]); r30 = Vector512.MultiplyAddEstimate(a3, b0, r30); r31 = Vector512.MultiplyAddEstimate(a3, b1, r31);
            var a4 = Vector512.Create(a[4]); r40 = Vector512.MultiplyAddEstimate(a4, b0, r40); r41 = Vector512.MultiplyAddEstimate(a4, b1, r41);
            var a5 = Vector512.Create(a[5]); r50 = Vector512.MultiplyAddEstimate(a5, b0, r50); r51 = Vector512.MultiplyAddEstimate(a5, b1, r51);
            var a6 = Vector512.Create(a[6]); r60 = Vector512.MultiplyAddEstimate(a6, b0, r60); r61 = Vector512.MultiplyAddEstimate(a6, b1, r61);
            var a7 = Vector512.Create(a[7]); r70 = Vector512.MultiplyAddEstimate(a7, b0, r70); r71 = Vector512.MultiplyAddEstimate(a7, b1, r71);
            a += 8;
            b += ldb;
        }
        r00.Store(c0); r01.Store(c0 + 16); r10.Store(c1); r11.Store(c1 + 16);
        r20.Store(c2); r21.Store(c2 + 16); r30.Store(c3); r31.Store(c3 + 16);
        r40.Store(c4); r41.Store(c4 + 16); r50.Store(c5); r51.Store(c5 + 16);
        r60.Store(c6); r61.Store(c6 + 16); r70.Store(c7); r71.Store(c7 + 16);
    }

    /// <summary>
    /// The 6×16 kernel for a ragged last row tile of 1 to 5 rows (a 64-row training shard leaves 4), reading the same zero-padded
    /// 6-row A panel: without it the tile ran the full kernel on a copy, a third of its multiply-adds wasted on padding. Each
    /// element is the same fused multiply-add chain as in a full tile, so results do not depend on tiling. Null for other paths
    /// and row counts: those tiles keep the copy.
    /// </summary>
    public static delegate*<int, float*, float*, nint, float*, nint, void> RowRemainderKernel(GemmPath path, int rows, bool overwrite) => (path, rows, overwrite) switch
    {
        (GemmPath.Vector256, 1, false) => &Kernel<Tile6x16Rows<One>, Accumulate>,
        (GemmPath.Vector256, 2, false) => &Kernel<Tile6x16Rows<Two>, Accumulate>,
        (GemmPath.Vector256, 3, false) => &Kernel<Tile6x16Rows<Three>, Accumulate>,
        (GemmPath.Vector256, 4, false) => &Kernel<Tile6x16Rows<Four>, Accumulate>,
        (GemmPath.Vector256, 5, false) => &Kernel<Tile6x16Rows<Five>, Accumulate>,
        (GemmPath.Vector256, 1, true) => &Kernel<Tile6x16Rows<One>, Overwrite>,
        (GemmPath.Vector256, 2, true) => &Kernel<Tile6x16Rows<Two>, Overwrite>,
        (GemmPath.Vector256, 3, true) => &Kernel<Tile6x16Rows<Three>, Overwrite>,
        (GemmPath.Vector256, 4, true) => &Kernel<Tile6x16Rows<Four>, Overwrite>,
        (GemmPath.Vector256, 5, true) => &Kernel<Tile6x16Rows<Five>, Overwrite>,
        _ => null,
    };

    /// <summary>A row count as a type: the JIT compiles one body per count, with the branches on it folded away.</summary>
    internal interface IRowCount { static abstract int Rows { get; } }
    internal struct One : IRowCount { public static int Rows => 1; }
    internal struct Two : IRowCount { public static int Rows => 2; }
    internal struct Three : IRowCount { public static int Rows => 3; }
    internal struct Four : IRowCount { public static int Rows => 4; }
    internal struct Five : IRowCount { public static int Rows => 5; }

    private static void Kernel4x4<TStart>(int kc, float* a, float* b, nint ldb, float* c, nint ldc) where TStart : struct, ITileStart
    {
        for (int i = 0; i < 4; i++)
        {
            float s0 = Start<TStart>.Load(c + i * ldc), s1 = Start<TStart>.Load(c + i * ldc + 1), s2 = Start<TStart>.Load(c + i * ldc + 2), s3 = Start<TStart>.Load(c + i * ldc + 3);
            float* ak = a + i;
            float* bk = b;
            for (int k = 0; k < kc; k++)
            {
                float av = *ak;
                s0 = float.MultiplyAddEstimate(av, bk[0], s0);
                s1 = float.MultiplyAddEstimate(av, bk[1], s1);
                s2 = float.MultiplyAddEstimate(av, bk[2], s2);
                s3 = float.MultiplyAddEstimate(av, bk[3], s3);
                ak += 4;
                bk += ldb;
            }
            c[i * ldc] = s0; c[i * ldc + 1] = s1; c[i * ldc + 2] = s2; c[i * ldc + 3] = s3;
        }
    }
}
