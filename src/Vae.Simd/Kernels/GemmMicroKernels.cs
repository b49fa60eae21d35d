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

    /// <summary>
    /// The AVX-512 depth block KC. 192 keeps a B micro-panel (KC×NR floats = 24 KiB) and the A micro-panel (6 KiB) in a Zen 4's
    /// 32 KiB L1; against 128 on Zen 5, one thread (benchmarks/peers/gemm-ab.sh, 3 rounds), 1024³ ran 1.05–1.10× faster and
    /// the 20-wide dX 1.06×. Where the core's L1 holds 48 KiB or more (Zen 5, recent Intel cores), KC = 512: a 1024-deep
    /// product then sweeps C twice instead of six times, and each sweep's tile starts wait on C (4 % of the kernel's samples
    /// in a `perf` profile of 1024³ at KC = 192) and pay the driver's per-tile work (3 %) again. Its 64 KiB micro-panel
    /// outgrows L1 and streams from L2, which keeps up on Zen 5. Measured there with gemm-ab.sh, 5 rounds each: 192 → 256,
    /// 1024³ 1.02–1.03× on one thread and 1.03–1.05× on two; 256 → 512, 1.02–1.03× and 1.03–1.05× again; the layer shapes
    /// 0.97–1.04× at each step, and training unchanged. Deeper than 192 has not been timed on a 32 KiB L1, so such cores keep it.
    /// </summary>
    private static readonly Geometry Vector512Geometry = new(8, 32, CacheSizes.L1DataBytes >= 48 * 1024 ? 512 : 192);

    public static Geometry For(GemmPath path) => path switch
    {
        // 8×32: 16 zmm accumulators, two B loads and a broadcast leave room in the 32 registers.
        GemmPath.Vector512 => Vector512Geometry,
        // 6×16: 12 ymm accumulators + 2 B vectors + 1 broadcast = 15 of 16 registers.
        GemmPath.Vector256 => new Geometry(6, 16, 256),
        // 4×8: 8 xmm accumulators + 2 B vectors + 1 broadcast fit the 16 registers of SSE (and leave room on Arm's 32).
        GemmPath.Vector128 => new Geometry(4, 8, 256),
        _ => new Geometry(4, 4, 256),
    };

    /// <summary>The micro-kernel of <paramref name="path"/>: C tile = S + A·B, where the tile's start S is read from rows
    /// <c>start</c>, <c>ldStart</c> apart (C itself for C += A·B; one bias row repeated, <c>ldStart</c> = 0, for C = bias + A·B),
    /// or, with <paramref name="overwrite"/>, is zero and nothing is read (the first depth block of a product that replaces C:
    /// nothing to clear beforehand). Starting from zero, or from the bias, is the same chain of fused multiply-adds as writing
    /// it into C first and adding, so the bits are the same.</summary>
    public static delegate*<int, float*, float*, nint, float*, nint, float*, nint, void> Kernel(GemmPath path, bool overwrite) => (path, overwrite) switch
    {
        (GemmPath.Vector512, false) => &Kernel<Tile8x32, Accumulate>,
        (GemmPath.Vector512, true) => &Kernel<Tile8x32, Overwrite>,
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
    public static delegate*<int, float*, float*, nint, float*, nint, float*, nint, void> HalfKernel(GemmPath path, bool overwrite) => (path, overwrite) switch
    {
        (GemmPath.Vector512, false) => &Kernel<Tile8x16, Accumulate>,
        (GemmPath.Vector512, true) => &Kernel<Tile8x16, Overwrite>,
        (GemmPath.Vector256, false) => &Kernel<Tile6x8, Accumulate>,
        (GemmPath.Vector256, true) => &Kernel<Tile6x8, Overwrite>,
        (GemmPath.Vector128, false) => &Kernel<Tile4x4, Accumulate>,
        (GemmPath.Vector128, true) => &Kernel<Tile4x4, Overwrite>,
        _ => null,
    };

    /// <summary>The zero-step-skipping forms of <see cref="Kernel"/> and <see cref="HalfKernel"/> (<paramref name="half"/>) for
    /// tiles that start from C or a bias (<c>SkippingKernel</c>): each takes the count of depth steps, their list, then the
    /// dense kernel's arguments. Null for the scalar path, which always runs dense.</summary>
    public static delegate*<int, int*, float*, float*, nint, float*, nint, float*, nint, void> SkippingKernel(GemmPath path, bool half) => (path, half) switch
    {
        (GemmPath.Vector512, false) => &SkippingKernel<Tile8x32, Accumulate>,
        (GemmPath.Vector512, true) => &SkippingKernel<Tile8x16, Accumulate>,
        (GemmPath.Vector256, false) => &SkippingKernel<Tile6x16, Accumulate>,
        (GemmPath.Vector256, true) => &SkippingKernel<Tile6x8, Accumulate>,
        (GemmPath.Vector128, false) => &SkippingKernel<Tile4x8, Accumulate>,
        (GemmPath.Vector128, true) => &SkippingKernel<Tile4x4, Accumulate>,
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

    /// <summary>
    /// The 6×16 kernel for a ragged last row tile of 1 to 5 rows (a 64-row training shard leaves 4), reading the same zero-padded
    /// 6-row A panel: without it the tile ran the full kernel on a copy, a third of its multiply-adds wasted on padding. Each
    /// element is the same fused multiply-add chain as in a full tile, so results do not depend on tiling. Null for other paths
    /// and row counts: those tiles keep the copy.
    /// </summary>
    public static delegate*<int, float*, float*, nint, float*, nint, float*, nint, void> RowRemainderKernel(GemmPath path, int rows, bool overwrite) => (path, rows, overwrite) switch
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

    private static void Kernel4x4<TStart>(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float* start, nint ldStart) where TStart : struct, ITileStart
    {
        for (int i = 0; i < 4; i++)
        {
            float* si = start + i * ldStart;
            float s0 = Start<TStart>.Load(si), s1 = Start<TStart>.Load(si + 1), s2 = Start<TStart>.Load(si + 2), s3 = Start<TStart>.Load(si + 3);
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
