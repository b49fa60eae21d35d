using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vae.Simd.Common;

namespace Vae.Simd.Kernels;

internal static unsafe partial class GemmMicroKernels
{
    /// <summary>
    /// An MR×NR tile of C held in registers: where it starts from, one step of k (A's MR values times one row of B), and
    /// where it ends. A struct of vectors, so that the JIT keeps every field in a register for the whole k loop.
    /// </summary>
    internal interface IMicroTile<TTile> where TTile : struct, IMicroTile<TTile>
    {
        /// <summary>Values of A per step of k: the rows of its packed panel (MR), of which a remainder tile computes only some.</summary>
        static abstract int PanelRows { get; }
        /// <summary>The tile at the start of the k loop: the rows at <paramref name="c"/>, <paramref name="ldc"/> apart (C's
        /// values, or with 0 one bias row in every row), or zero (<see cref="ITileStart"/>).</summary>
        static abstract TTile Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart;
        /// <summary>Tile += a[0 .. rows] ⊗ b[0 .. NR]: one fused multiply-add per element.</summary>
        void Step(float* a, float* b);
        void Store(float* c, nint ldc);
    }

    /// <summary>
    /// C tile (+)= A·B for any tile, four steps of k per trip of the loop. With one step per trip, the loop's own add, add,
    /// compare and branch were a sixth of the 6×16 kernel's instructions, and on Zen 3 it ran, operands in L1, at 0.78–0.82
    /// of the rate of independent fused multiply-adds in some processes (0.96 in others); four steps per trip ran
    /// 1.06–1.14× faster in the slow processes and as fast in the others, and took the canonical training step 1.10–1.13×
    /// faster on one thread and 1.11–1.16× on two (benchmarks/RESULTS.md, fifth session). The steps and their order are
    /// those of a one-step loop: the bits are the same. The AVX-512 tiles run on it too, though no AVX-512 machine has timed
    /// them yet: compiled ahead of time for x86-64-v4, the 8×32 loop is the one-step kernel's loads, broadcasts and fused
    /// multiply-adds (16 zmm accumulators, no spills) with 14 instructions of loop upkeep per four steps instead of 20; the
    /// tests run the AVX-512 tiles in software on machines without AVX-512 (see GemmPaths.IsSupported).
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void Kernel<TTile, TStart>(int kc, float* a, float* b, nint ldb, float* c, nint ldc, float* start, nint ldStart)
        where TTile : struct, IMicroTile<TTile> where TStart : struct, ITileStart
    {
        var tile = TTile.Begin<TStart>(start, ldStart);
        int mr = TTile.PanelRows, k = 0;
        for (; k + 4 <= kc; k += 4, a += 4 * mr, b += 4 * ldb)
        {
            tile.Step(a, b);
            tile.Step(a + mr, b + ldb);
            tile.Step(a + 2 * mr, b + 2 * ldb);
            tile.Step(a + 3 * mr, b + 3 * ldb);
        }
        for (; k < kc; k++, a += mr, b += ldb)
            tile.Step(a, b);
        tile.Store(c, ldc);
    }

    /// <summary>
    /// The same tile over only the depth steps listed in <paramref name="steps"/> (ascending): A holds their MR values
    /// back to back, <paramref name="count"/> of them, and B's row for step i is <c>b + steps[i]·ldb</c>. The driver lists
    /// the steps where some row of the A panel is not zero (<see cref="GemmDriver"/>'s zero-step skipping); a skipped step's
    /// multiply-adds would add ±0 to every element, which changes no tile that did not start at −0. The steps that remain run
    /// in the same order, four per trip, so each element is the dense kernel's chain with its zero terms left out.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void SkippingKernel<TTile, TStart>(int count, int* steps, float* a, float* b, nint ldb, float* c, nint ldc, float* start, nint ldStart)
        where TTile : struct, IMicroTile<TTile> where TStart : struct, ITileStart
    {
        var tile = TTile.Begin<TStart>(start, ldStart);
        int mr = TTile.PanelRows, i = 0;
        for (; i + 4 <= count; i += 4, a += 4 * mr)
        {
            // The rows of B come at irregular strides, which the hardware's prefetchers do not follow: ask for those of the
            // steps 8 ahead (both 64-byte lines of a 32-wide row). The 64-row MNIST forward ran 1.60× the dense product with
            // this, 1.52× without, 1.56× and 1.57× at 4 and 16 steps ahead (Zen 5, 7 rounds each).
            if (Sse.IsSupported && i + 12 <= count)
                for (int p = 8; p < 12; p++)
                {
                    float* next = b + steps[i + p] * ldb;
                    Sse.Prefetch0(next);
                    Sse.Prefetch0(next + 16);
                }
            tile.Step(a, b + steps[i] * ldb);
            tile.Step(a + mr, b + steps[i + 1] * ldb);
            tile.Step(a + 2 * mr, b + steps[i + 2] * ldb);
            tile.Step(a + 3 * mr, b + steps[i + 3] * ldb);
        }
        for (; i < count; i++, a += mr)
            tile.Step(a, b + steps[i] * ldb);
        tile.Store(c, ldc);
    }

    // Each width's tile is written out. Written once over ISimdVector (V256, V128) with the row count as a type, the 6×16
    // loop compiled to the same loads and fused multiply-adds plus six register moves per four steps (and seven per step in
    // the tail loop): the kind of overhead whose removal (the loop's own add, add, compare and branch) made it 1.06–1.14×
    // faster in the processes where it ran slow.
    /// <summary>The AVX-512 tile: 16 zmm accumulators + 2 B vectors + 1 broadcast, 19 of 32 registers.</summary>
    internal struct Tile8x32 : IMicroTile<Tile8x32>
    {
        private Vector512<float> _r00, _r01, _r10, _r11, _r20, _r21, _r30, _r31, _r40, _r41, _r50, _r51, _r60, _r61, _r70, _r71;

        public static int PanelRows => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile8x32 Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart => new()
        {
            _r00 = Start<TStart>.Load512(c), _r01 = Start<TStart>.Load512(c + 16),
            _r10 = Start<TStart>.Load512(c + ldc), _r11 = Start<TStart>.Load512(c + ldc + 16),
            _r20 = Start<TStart>.Load512(c + 2 * ldc), _r21 = Start<TStart>.Load512(c + 2 * ldc + 16),
            _r30 = Start<TStart>.Load512(c + 3 * ldc), _r31 = Start<TStart>.Load512(c + 3 * ldc + 16),
            _r40 = Start<TStart>.Load512(c + 4 * ldc), _r41 = Start<TStart>.Load512(c + 4 * ldc + 16),
            _r50 = Start<TStart>.Load512(c + 5 * ldc), _r51 = Start<TStart>.Load512(c + 5 * ldc + 16),
            _r60 = Start<TStart>.Load512(c + 6 * ldc), _r61 = Start<TStart>.Load512(c + 6 * ldc + 16),
            _r70 = Start<TStart>.Load512(c + 7 * ldc), _r71 = Start<TStart>.Load512(c + 7 * ldc + 16),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(float* a, float* b)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]); _r00 = Vector512.MultiplyAddEstimate(a0, b0, _r00); _r01 = Vector512.MultiplyAddEstimate(a0, b1, _r01);
            var a1 = Vector512.Create(a[1]); _r10 = Vector512.MultiplyAddEstimate(a1, b0, _r10); _r11 = Vector512.MultiplyAddEstimate(a1, b1, _r11);
            var a2 = Vector512.Create(a[2]); _r20 = Vector512.MultiplyAddEstimate(a2, b0, _r20); _r21 = Vector512.MultiplyAddEstimate(a2, b1, _r21);
            var a3 = Vector512.Create(a[3]); _r30 = Vector512.MultiplyAddEstimate(a3, b0, _r30); _r31 = Vector512.MultiplyAddEstimate(a3, b1, _r31);
            var a4 = Vector512.Create(a[4]); _r40 = Vector512.MultiplyAddEstimate(a4, b0, _r40); _r41 = Vector512.MultiplyAddEstimate(a4, b1, _r41);
            var a5 = Vector512.Create(a[5]); _r50 = Vector512.MultiplyAddEstimate(a5, b0, _r50); _r51 = Vector512.MultiplyAddEstimate(a5, b1, _r51);
            var a6 = Vector512.Create(a[6]); _r60 = Vector512.MultiplyAddEstimate(a6, b0, _r60); _r61 = Vector512.MultiplyAddEstimate(a6, b1, _r61);
            var a7 = Vector512.Create(a[7]); _r70 = Vector512.MultiplyAddEstimate(a7, b0, _r70); _r71 = Vector512.MultiplyAddEstimate(a7, b1, _r71);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, nint ldc)
        {
            _r00.Store(c); _r01.Store(c + 16); _r10.Store(c + ldc); _r11.Store(c + ldc + 16);
            _r20.Store(c + 2 * ldc); _r21.Store(c + 2 * ldc + 16); _r30.Store(c + 3 * ldc); _r31.Store(c + 3 * ldc + 16);
            _r40.Store(c + 4 * ldc); _r41.Store(c + 4 * ldc + 16); _r50.Store(c + 5 * ldc); _r51.Store(c + 5 * ldc + 16);
            _r60.Store(c + 6 * ldc); _r61.Store(c + 6 * ldc + 16); _r70.Store(c + 7 * ldc); _r71.Store(c + 7 * ldc + 16);
        }
    }

    /// <summary>The AVX-512 half tile, for a last panel of at most 16 columns.</summary>
    internal struct Tile8x16 : IMicroTile<Tile8x16>
    {
        private Vector512<float> _r0, _r1, _r2, _r3, _r4, _r5, _r6, _r7;

        public static int PanelRows => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile8x16 Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart => new()
        {
            _r0 = Start<TStart>.Load512(c), _r1 = Start<TStart>.Load512(c + ldc), _r2 = Start<TStart>.Load512(c + 2 * ldc), _r3 = Start<TStart>.Load512(c + 3 * ldc),
            _r4 = Start<TStart>.Load512(c + 4 * ldc), _r5 = Start<TStart>.Load512(c + 5 * ldc), _r6 = Start<TStart>.Load512(c + 6 * ldc), _r7 = Start<TStart>.Load512(c + 7 * ldc),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(float* a, float* b)
        {
            var b0 = Vector512.Load(b);
            _r0 = Vector512.MultiplyAddEstimate(Vector512.Create(a[0]), b0, _r0);
            _r1 = Vector512.MultiplyAddEstimate(Vector512.Create(a[1]), b0, _r1);
            _r2 = Vector512.MultiplyAddEstimate(Vector512.Create(a[2]), b0, _r2);
            _r3 = Vector512.MultiplyAddEstimate(Vector512.Create(a[3]), b0, _r3);
            _r4 = Vector512.MultiplyAddEstimate(Vector512.Create(a[4]), b0, _r4);
            _r5 = Vector512.MultiplyAddEstimate(Vector512.Create(a[5]), b0, _r5);
            _r6 = Vector512.MultiplyAddEstimate(Vector512.Create(a[6]), b0, _r6);
            _r7 = Vector512.MultiplyAddEstimate(Vector512.Create(a[7]), b0, _r7);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, nint ldc)
        {
            _r0.Store(c); _r1.Store(c + ldc); _r2.Store(c + 2 * ldc); _r3.Store(c + 3 * ldc);
            _r4.Store(c + 4 * ldc); _r5.Store(c + 5 * ldc); _r6.Store(c + 6 * ldc); _r7.Store(c + 7 * ldc);
        }
    }

    /// <summary>The AVX2 tile: 12 ymm accumulators + 2 B vectors + 1 broadcast = 15 of 16 registers.</summary>
    internal struct Tile6x16 : IMicroTile<Tile6x16>
    {
        private Vector256<float> _r00, _r01, _r10, _r11, _r20, _r21, _r30, _r31, _r40, _r41, _r50, _r51;

        public static int PanelRows => 6;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile6x16 Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart => new()
        {
            _r00 = Start<TStart>.Load256(c), _r01 = Start<TStart>.Load256(c + 8),
            _r10 = Start<TStart>.Load256(c + ldc), _r11 = Start<TStart>.Load256(c + ldc + 8),
            _r20 = Start<TStart>.Load256(c + 2 * ldc), _r21 = Start<TStart>.Load256(c + 2 * ldc + 8),
            _r30 = Start<TStart>.Load256(c + 3 * ldc), _r31 = Start<TStart>.Load256(c + 3 * ldc + 8),
            _r40 = Start<TStart>.Load256(c + 4 * ldc), _r41 = Start<TStart>.Load256(c + 4 * ldc + 8),
            _r50 = Start<TStart>.Load256(c + 5 * ldc), _r51 = Start<TStart>.Load256(c + 5 * ldc + 8),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(float* a, float* b)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]); _r00 = Vector256.MultiplyAddEstimate(a0, b0, _r00); _r01 = Vector256.MultiplyAddEstimate(a0, b1, _r01);
            var a1 = Vector256.Create(a[1]); _r10 = Vector256.MultiplyAddEstimate(a1, b0, _r10); _r11 = Vector256.MultiplyAddEstimate(a1, b1, _r11);
            var a2 = Vector256.Create(a[2]); _r20 = Vector256.MultiplyAddEstimate(a2, b0, _r20); _r21 = Vector256.MultiplyAddEstimate(a2, b1, _r21);
            var a3 = Vector256.Create(a[3]); _r30 = Vector256.MultiplyAddEstimate(a3, b0, _r30); _r31 = Vector256.MultiplyAddEstimate(a3, b1, _r31);
            var a4 = Vector256.Create(a[4]); _r40 = Vector256.MultiplyAddEstimate(a4, b0, _r40); _r41 = Vector256.MultiplyAddEstimate(a4, b1, _r41);
            var a5 = Vector256.Create(a[5]); _r50 = Vector256.MultiplyAddEstimate(a5, b0, _r50); _r51 = Vector256.MultiplyAddEstimate(a5, b1, _r51);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, nint ldc)
        {
            _r00.Store(c); _r01.Store(c + 8); _r10.Store(c + ldc); _r11.Store(c + ldc + 8);
            _r20.Store(c + 2 * ldc); _r21.Store(c + 2 * ldc + 8); _r30.Store(c + 3 * ldc); _r31.Store(c + 3 * ldc + 8);
            _r40.Store(c + 4 * ldc); _r41.Store(c + 4 * ldc + 8); _r50.Store(c + 5 * ldc); _r51.Store(c + 5 * ldc + 8);
        }
    }

    /// <summary>The AVX2 half tile, for a last panel of at most 8 columns.</summary>
    internal struct Tile6x8 : IMicroTile<Tile6x8>
    {
        private Vector256<float> _r0, _r1, _r2, _r3, _r4, _r5;

        public static int PanelRows => 6;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile6x8 Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart => new()
        {
            _r0 = Start<TStart>.Load256(c), _r1 = Start<TStart>.Load256(c + ldc), _r2 = Start<TStart>.Load256(c + 2 * ldc),
            _r3 = Start<TStart>.Load256(c + 3 * ldc), _r4 = Start<TStart>.Load256(c + 4 * ldc), _r5 = Start<TStart>.Load256(c + 5 * ldc),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(float* a, float* b)
        {
            var b0 = Vector256.Load(b);
            _r0 = Vector256.MultiplyAddEstimate(Vector256.Create(a[0]), b0, _r0);
            _r1 = Vector256.MultiplyAddEstimate(Vector256.Create(a[1]), b0, _r1);
            _r2 = Vector256.MultiplyAddEstimate(Vector256.Create(a[2]), b0, _r2);
            _r3 = Vector256.MultiplyAddEstimate(Vector256.Create(a[3]), b0, _r3);
            _r4 = Vector256.MultiplyAddEstimate(Vector256.Create(a[4]), b0, _r4);
            _r5 = Vector256.MultiplyAddEstimate(Vector256.Create(a[5]), b0, _r5);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, nint ldc)
        {
            _r0.Store(c); _r1.Store(c + ldc); _r2.Store(c + 2 * ldc); _r3.Store(c + 3 * ldc); _r4.Store(c + 4 * ldc); _r5.Store(c + 5 * ldc);
        }
    }

    /// <summary>The AVX2 tile's first 1 to 5 rows (<see cref="RowRemainderKernel"/>), reading the same 6-row A panel.</summary>
    internal struct Tile6x16Rows<TRows> : IMicroTile<Tile6x16Rows<TRows>> where TRows : struct, IRowCount
    {
        private Vector256<float> _r00, _r01, _r10, _r11, _r20, _r21, _r30, _r31, _r40, _r41;

        public static int PanelRows => 6;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile6x16Rows<TRows> Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart
        {
            var t = new Tile6x16Rows<TRows> { _r00 = Start<TStart>.Load256(c), _r01 = Start<TStart>.Load256(c + 8) };
            if (TRows.Rows > 1) { t._r10 = Start<TStart>.Load256(c + ldc); t._r11 = Start<TStart>.Load256(c + ldc + 8); }
            if (TRows.Rows > 2) { t._r20 = Start<TStart>.Load256(c + 2 * ldc); t._r21 = Start<TStart>.Load256(c + 2 * ldc + 8); }
            if (TRows.Rows > 3) { t._r30 = Start<TStart>.Load256(c + 3 * ldc); t._r31 = Start<TStart>.Load256(c + 3 * ldc + 8); }
            if (TRows.Rows > 4) { t._r40 = Start<TStart>.Load256(c + 4 * ldc); t._r41 = Start<TStart>.Load256(c + 4 * ldc + 8); }
            return t;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(float* a, float* b)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]); _r00 = Vector256.MultiplyAddEstimate(a0, b0, _r00); _r01 = Vector256.MultiplyAddEstimate(a0, b1, _r01);
            if (TRows.Rows > 1) { var a1 = Vector256.Create(a[1]); _r10 = Vector256.MultiplyAddEstimate(a1, b0, _r10); _r11 = Vector256.MultiplyAddEstimate(a1, b1, _r11); }
            if (TRows.Rows > 2) { var a2 = Vector256.Create(a[2]); _r20 = Vector256.MultiplyAddEstimate(a2, b0, _r20); _r21 = Vector256.MultiplyAddEstimate(a2, b1, _r21); }
            if (TRows.Rows > 3) { var a3 = Vector256.Create(a[3]); _r30 = Vector256.MultiplyAddEstimate(a3, b0, _r30); _r31 = Vector256.MultiplyAddEstimate(a3, b1, _r31); }
            if (TRows.Rows > 4) { var a4 = Vector256.Create(a[4]); _r40 = Vector256.MultiplyAddEstimate(a4, b0, _r40); _r41 = Vector256.MultiplyAddEstimate(a4, b1, _r41); }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, nint ldc)
        {
            _r00.Store(c); _r01.Store(c + 8);
            if (TRows.Rows > 1) { _r10.Store(c + ldc); _r11.Store(c + ldc + 8); }
            if (TRows.Rows > 2) { _r20.Store(c + 2 * ldc); _r21.Store(c + 2 * ldc + 8); }
            if (TRows.Rows > 3) { _r30.Store(c + 3 * ldc); _r31.Store(c + 3 * ldc + 8); }
            if (TRows.Rows > 4) { _r40.Store(c + 4 * ldc); _r41.Store(c + 4 * ldc + 8); }
        }
    }

    /// <summary>The 128-bit tile (SSE, Arm64 AdvSimd): 8 accumulators + 2 B vectors + 1 broadcast fit SSE's 16 registers.</summary>
    internal struct Tile4x8 : IMicroTile<Tile4x8>
    {
        private Vector128<float> _r00, _r01, _r10, _r11, _r20, _r21, _r30, _r31;

        public static int PanelRows => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile4x8 Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart => new()
        {
            _r00 = Start<TStart>.Load128(c), _r01 = Start<TStart>.Load128(c + 4),
            _r10 = Start<TStart>.Load128(c + ldc), _r11 = Start<TStart>.Load128(c + ldc + 4),
            _r20 = Start<TStart>.Load128(c + 2 * ldc), _r21 = Start<TStart>.Load128(c + 2 * ldc + 4),
            _r30 = Start<TStart>.Load128(c + 3 * ldc), _r31 = Start<TStart>.Load128(c + 3 * ldc + 4),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(float* a, float* b)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]); _r00 = Vector128.MultiplyAddEstimate(a0, b0, _r00); _r01 = Vector128.MultiplyAddEstimate(a0, b1, _r01);
            var a1 = Vector128.Create(a[1]); _r10 = Vector128.MultiplyAddEstimate(a1, b0, _r10); _r11 = Vector128.MultiplyAddEstimate(a1, b1, _r11);
            var a2 = Vector128.Create(a[2]); _r20 = Vector128.MultiplyAddEstimate(a2, b0, _r20); _r21 = Vector128.MultiplyAddEstimate(a2, b1, _r21);
            var a3 = Vector128.Create(a[3]); _r30 = Vector128.MultiplyAddEstimate(a3, b0, _r30); _r31 = Vector128.MultiplyAddEstimate(a3, b1, _r31);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, nint ldc)
        {
            _r00.Store(c); _r01.Store(c + 4); _r10.Store(c + ldc); _r11.Store(c + ldc + 4);
            _r20.Store(c + 2 * ldc); _r21.Store(c + 2 * ldc + 4); _r30.Store(c + 3 * ldc); _r31.Store(c + 3 * ldc + 4);
        }
    }

    /// <summary>The 128-bit half tile, for a last panel of at most 4 columns.</summary>
    internal struct Tile4x4 : IMicroTile<Tile4x4>
    {
        private Vector128<float> _r0, _r1, _r2, _r3;

        public static int PanelRows => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tile4x4 Begin<TStart>(float* c, nint ldc) where TStart : struct, ITileStart => new()
        {
            _r0 = Start<TStart>.Load128(c), _r1 = Start<TStart>.Load128(c + ldc), _r2 = Start<TStart>.Load128(c + 2 * ldc), _r3 = Start<TStart>.Load128(c + 3 * ldc),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(float* a, float* b)
        {
            var b0 = Vector128.Load(b);
            _r0 = Vector128.MultiplyAddEstimate(Vector128.Create(a[0]), b0, _r0);
            _r1 = Vector128.MultiplyAddEstimate(Vector128.Create(a[1]), b0, _r1);
            _r2 = Vector128.MultiplyAddEstimate(Vector128.Create(a[2]), b0, _r2);
            _r3 = Vector128.MultiplyAddEstimate(Vector128.Create(a[3]), b0, _r3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, nint ldc)
        {
            _r0.Store(c); _r1.Store(c + ldc); _r2.Store(c + 2 * ldc); _r3.Store(c + 3 * ldc);
        }
    }
}
