using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// C += op(A)·op(B) as the five BLIS loops around one micro-kernel. A is packed into MR-row
/// panels per MC×KC block so the micro-kernel reads it contiguously; B is read in place when
/// its rows are already contiguous along N (the dX and dW forms, and the forward from a cached Wᵀ) and their
/// stride does not alias in L1, and packed into NR-wide panels otherwise. Partial tiles at the edges go through
/// a zero-padded copy of the tile, so the micro-kernel only ever sees full tiles, except a full-width tile of fewer rows
/// on a path that has a remainder kernel for them (<see cref="GemmMicroKernels.RowRemainderKernel"/>); either way each
/// element of C is computed the same way wherever it falls. A narrow C on the AVX-512 path runs with the lanes along its
/// rows instead (<c>GemmDriver.Narrow.cs</c>), the same chains again.
/// </summary>
internal static unsafe partial class GemmDriver
{
    // A block of MC rows × KC depth stays in L2 (96 × 512 × 4 B = 192 KiB at most); NC bounds
    // the packed B block to KC × NC floats (2 MiB at KC = 512: each thread that runs a product keeps that much).
    private const int MC = 96;
    private const int NC = 1024;
    /// <summary>A core's L2 on Zen 3 (512 KiB). Later x86 cores have 1–2 MiB: there, a C between this and their L2 is
    /// prefetched though it stays in L2 (not measured on such a machine).</summary>
    private const long L2Bytes = 512 * 1024;

    /// <summary>Floats past the end of the A buffer that a packing store may write (<see cref="Transpose.Block6x8Packed"/>).</summary>
    private const int PackSlack = 8;

    /// <summary>Per-thread packing buffers, grown once and reused: a product allocates nothing in steady state.</summary>
    [ThreadStatic] private static CacheAlignedFloats? s_packA;
    [ThreadStatic] private static CacheAlignedFloats? s_packB;
    [ThreadStatic] private static CacheAlignedFloats? s_tile;

    /// <summary>op(X)(i, j) = X[i·rowStep + j·colStep]: one description for a matrix and its transpose.</summary>
    private readonly struct Operand(float* data, nint rowStep, nint colStep)
    {
        public readonly float* Data = data;
        public readonly nint RowStep = rowStep;
        public readonly nint ColStep = colStep;
        public float* At(int i, int j) => Data + i * RowStep + j * ColStep;
    }

    /// <summary>C += op(A)·op(B), or C = op(A)·op(B) with <paramref name="overwrite"/> (C is then only written, never read);
    /// with a pool, the output rows or columns are split between its threads (<see cref="RowsShareBetter"/>), each
    /// computing its part exactly as one thread would, so the result does not depend on the thread count. A narrow product may
    /// run as its transpose (<see cref="RunsTransposed"/>), with the same bits; <paramref name="transposeNarrow"/> = false
    /// forbids it, for the test that holds the two ways to those bits.</summary>
    public static void MultiplyAdd(ReadOnlyMatrixSpan a, bool transposeA, ReadOnlyMatrixSpan b, bool transposeB, MatrixSpan c, bool overwrite, GemmPath path, WorkerPool? pool, bool transposeNarrow = true)
    {
        int m = c.Rows, n = c.Columns, k = transposeA ? a.Rows : a.Columns;
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (overwrite) c.Clear();
            return;
        }
        if (transposeNarrow && RunsTransposed(transposeA, m, n, k, path))
        {
            // Cᵀ (+)= op(B)ᵀ·op(A)ᵀ in a scratch, then back into C. Each element is the same chain of fused multiply-adds
            // (a·b and b·a round alike), from C's value or from zero, so the bits are those of the product computed directly.
            int stride = CacheAlignedFloats.RoundUpToLine(m);
            var transposed = new MatrixSpan(new Span<float>(Rent(ref s_transposedC, n * stride), n * stride), n, m, stride);
            if (!overwrite) Transpose.Apply(c, transposed);
            MultiplyAdd(b, !transposeB, a, !transposeA, transposed, overwrite, path, pool, transposeNarrow: false);
            Transpose.Apply(transposed, c);
            return;
        }
        Run(a, transposeA, b, transposeB, c, overwrite, null, path, pool);
    }

    /// <summary>
    /// C = bias + op(A)·op(B), <paramref name="bias"/> added to every row (a linear layer's forward): the tiles of the first
    /// depth block start from the bias instead of from C, so C is only written. Writing the bias into C first, as this replaced,
    /// was a serial pass over C before the product, which on the k = 20 forward of a 20-unit latent layer ([128 × 400]) cost as
    /// much as the product on two threads (Zen 3). The chain of fused multiply-adds is the same, so are the bits.
    /// </summary>
    /// <remarks>
    /// Depth steps where a whole MR-row panel of A is zero are skipped (<paramref name="skipZeroSteps"/>, the default): a
    /// layer's input often has whole zero columns across a few rows, such as the background pixels of MNIST digits (81 % of
    /// pixels are zero, and in 54 % of the depth steps all 8 rows of a panel are). A skipped step would add ±0 to each
    /// element; that changes nothing when the tile did not start at −0, so the bias must hold no −0 (it is checked; with one,
    /// nothing is skipped) and the result is the dense product's, bit for bit. The one exception is a B holding ∞ or NaN: a
    /// skipped 0·∞ would have made a NaN. The tests compare both ways on every path.
    /// </remarks>
    public static void MultiplyBias(ReadOnlyMatrixSpan a, bool transposeA, ReadOnlyMatrixSpan b, bool transposeB, ReadOnlySpan<float> bias, MatrixSpan c, GemmPath path, WorkerPool? pool, bool skipZeroSteps = true)
    {
        if (bias.Length != c.Columns)
            throw new ArgumentException($"the bias has {bias.Length} values but C has {c.Columns} columns", nameof(bias));
        int k = transposeA ? a.Rows : a.Columns;
        if (c.Rows == 0 || c.Columns == 0) return;
        if (k == 0)
        {
            for (int r = 0; r < c.Rows; r++) bias.CopyTo(c[r]);
            return;
        }
        fixed (float* pBias = bias)
            Run(a, transposeA, b, transposeB, c, overwrite: false, pBias, path, pool, skipZeroSteps && !HasNegativeZero(bias));
    }

    private static bool HasNegativeZero(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (BitConverter.SingleToUInt32Bits(v) == 0x8000_0000u) return true;
        return false;
    }

    /// <summary>C (+)= op(A)·op(B), or C = bias + op(A)·op(B) when <paramref name="bias"/> is not null, on one thread or shared out.</summary>
    private static void Run(ReadOnlyMatrixSpan a, bool transposeA, ReadOnlyMatrixSpan b, bool transposeB, MatrixSpan c, bool overwrite, float* bias, GemmPath path, WorkerPool? pool, bool skipZeroSteps = false)
    {
        int m = c.Rows, n = c.Columns, k = transposeA ? a.Rows : a.Columns;
        fixed (float* pa = a.Data, pb = b.Data, pc = c.Data)
        {
            var opA = transposeA ? new Operand(pa, 1, a.Stride) : new Operand(pa, a.Stride, 1);
            var opB = transposeB ? new Operand(pb, 1, b.Stride) : new Operand(pb, b.Stride, 1);
            var g = GemmMicroKernels.For(path);
            // Below ~1 MFLOP the hand-off costs more than it saves.
            int threads = pool?.Threads ?? 1;
            bool byColumns = n >= 2 * g.NR && !RowsShareBetter(m, n, g, threads, bTransposed: opB.ColStep != 1), byRows = !byColumns && m >= 2 * g.MR;
            if (pool is null || pool.Threads == 1 || (long)m * n * k < 500_000 || !(byColumns || byRows))
            {
                MultiplyAddColumns(opA, opB, pc, c.Stride, m, k, 0, n, path, overwrite, bias, skipZeroSteps);
                return;
            }
            var work = s_work ??= new ParallelProduct();
            work.Set(opA, opB, pc, c.Stride, bias, m, n, k, path, overwrite, pool.Threads, byColumns ? g.NR : g.MR, byColumns, skipZeroSteps);
            pool.Run(work, work.Parts);
        }
    }

    [ThreadStatic] private static ParallelProduct? s_work;

    /// <summary>
    /// Whether row ranges share a product out better than column ranges.
    /// <para>Rows, when every thread gets at least <see cref="RowsPerThreadForRowShares"/> of them and B is not stored transposed:
    /// with columns, each thread packs all of A for its columns, so two threads pack it twice, and a column share in whole NR
    /// panels can be uneven (the 400 columns of a 784 × 400 dW go out as 224 and 176); with rows each packs only its own rows
    /// of A and reads all of B, in place (or copied row by row where its rows alias in L1), which that many rows pay for. Two
    /// threads, columns against rows alternated in one process, 31 times (Zen 5,
    /// `benchmarks/logs/2026-11-27-zen5-s14/gemm-split-rows.txt`): median 1.02–1.12× on every layer form of the 784-400 shapes
    /// at 128 rows and on 1024³. A transposed B is packed column by column, and with every thread packing all of it the
    /// layer forwards that pack Wᵀ (784 → 400 and 400 → 784, 128 rows) ran at 0.71–0.80×
    /// (`gemm-split-rows-transposed-b.txt`): there columns stay the rule.</para>
    /// <para>Fewer rows than that: rows only where the column shares are uneven by more than 1.25× and the row shares less
    /// so, since then each thread reading all of B weighs more. A 40-wide C on two threads is 32 columns and 8 (the encoder
    /// head's forward, which ran no faster on two threads than on one, Zen 3), while its 128 rows split 66 and 62.</para>
    /// </summary>
    private static bool RowsShareBetter(int m, int n, GemmMicroKernels.Geometry g, int threads, bool bTransposed)
    {
        if (threads < 2 || m < 2 * g.MR) return false;
        if (!bTransposed && m >= RowsPerThreadForRowShares * threads) return true;
        double columnShare = Math.Min(n, ShareSpan(n, g.NR, threads)) * threads / (double)n;
        double rowShare = Math.Min(m, ShareSpan(m, g.MR, threads)) * threads / (double)m;
        return columnShare > 1.25 && rowShare < columnShare;
    }

    /// <summary>Rows per thread from which a product is shared by rows (<see cref="RowsShareBetter"/>): a training batch of 128
    /// on two threads. Each float of B a thread reads then feeds 128 flops, so even a B too large for any cache, streamed from
    /// memory by every thread, asks about 7 GB/s of each at 230 GFLOP/s: the product stays bound by its multiply-adds.</summary>
    private const int RowsPerThreadForRowShares = 64;

    /// <summary>How wide the ranges are that <see cref="ParallelProduct"/> cuts <paramref name="extent"/> into: whole tiles, as
    /// even a number of them per thread as can be (the last range may be narrower).</summary>
    private static int ShareSpan(int extent, int tile, int threads)
    {
        int tiles = (extent + tile - 1) / tile;
        return (tiles + threads - 1) / threads * tile;
    }

    [ThreadStatic] private static CacheAlignedFloats? s_transposedC;

    /// <summary>
    /// Whether C = op(A)·op(B) runs faster as Cᵀ = op(B)ᵀ·op(A)ᵀ: when C is narrow (fewer than two NR panels) and its last panel
    /// wastes more of the vector lanes than a panel of C's height would, and op(A) is stored transposed, so that op(A)ᵀ is
    /// row-contiguous and the swapped product reads it in place. The 20-wide dW of a 20-unit latent layer ([400 × 20] += dYᵀ·z,
    /// k = 128) fills 20 of 24 lanes on the AVX2 path (16 + a half panel of 8) and 20 of 32 on AVX-512; transposed, 400 columns
    /// fill them all, and only the 20 rows are ragged. Measured on Zen 3 (AVX2), one thread: 1.44× (49.8 → 72.0 GFLOP/s), two
    /// threads 1.23–1.28×. The 20-wide dX (dY·W) would have to pack op(A)ᵀ = dYᵀ from a transposed source: 0.58–0.65×, so a
    /// product whose A is not transposed stays as it is. At depths 16–64 (the [400 × 20] dW) one thread gained 1.6–1.7× and
    /// two 1.4–1.6×, except k = 64 on two threads, 0.78–1.26× across three processes; below 16, not measured, the two
    /// transposes of C weigh more against each multiply-add, so those products stay direct.
    /// </summary>
    private static bool RunsTransposed(bool transposeA, int m, int n, int k, GemmPath path)
    {
        var g = GemmMicroKernels.For(path);
        if (!transposeA || n >= 2 * g.NR || m < 2 * g.NR || k < 16) return false;
        int halfNR = GemmMicroKernels.HalfKernel(path, false) is null ? 0 : g.NR / 2;
        // Fewer lanes used across C's width than across its height: n / covered(n) < m / covered(m).
        return (long)n * CoveredColumns(m, g.NR, halfNR) < (long)m * CoveredColumns(n, g.NR, halfNR);
    }

    /// <summary>Columns the kernels compute to cover <paramref name="n"/>: full NR panels and a last panel of NR/2 (where a
    /// half kernel exists and it is enough) or NR, as <see cref="MultiplyAddColumns"/> runs them.</summary>
    private static int CoveredColumns(int n, int nr, int halfNR)
    {
        int full = n / nr * nr, rest = n - full;
        return full + (rest == 0 ? 0 : rest <= halfNR ? halfNR : nr);
    }

    /// <summary>Column ranges of one product, one per item, multiples of NR wide; or row ranges, multiples of MR high, each
    /// reading all of B (<see cref="RowsShareBetter"/>: tall products, and those whose columns share out unevenly).</summary>
    private sealed class ParallelProduct : IParallelWork
    {
        private Operand _a, _b;
        private float* _c, _bias;
        private nint _ldc;
        private int _m, _n, _k, _span;
        private bool _byColumns, _overwrite, _skipZeroSteps;
        private GemmPath _path;
        public int Parts { get; private set; }

        public void Set(Operand a, Operand b, float* c, nint ldc, float* bias, int m, int n, int k, GemmPath path, bool overwrite, int threads, int tile, bool byColumns, bool skipZeroSteps)
        {
            _a = a; _b = b; _c = c; _ldc = ldc; _bias = bias; _m = m; _n = n; _k = k; _path = path; _overwrite = overwrite; _byColumns = byColumns;
            _skipZeroSteps = skipZeroSteps;
            int extent = byColumns ? n : m;
            _span = ShareSpan(extent, tile, threads);
            Parts = (extent + _span - 1) / _span;
        }

        public void Execute(int item, int worker)
        {
            int start = item * _span;
            if (_byColumns)
            {
                MultiplyAddColumns(_a, _b, _c, _ldc, _m, _k, start, Math.Min(_span, _n - start), _path, _overwrite, _bias, _skipZeroSteps);
                return;
            }
            var rows = new Operand(_a.At(start, 0), _a.RowStep, _a.ColStep);
            MultiplyAddColumns(rows, _b, _c + start * _ldc, _ldc, Math.Min(_span, _m - start), _k, 0, _n, _path, _overwrite, _bias, _skipZeroSteps);
        }
    }

    /// <summary>C[:, col0 .. col0+cols] += op(A)·op(B)[:, col0 .. col0+cols], or = with <paramref name="overwrite"/>: the
    /// first depth block then runs the kernels that start their tiles from zero instead of reading C; or, with a
    /// <paramref name="bias"/> (indexed by C's column), = bias + …: the first depth block's tiles start from the bias. With
    /// <paramref name="skipZeroSteps"/> (only for tiles that start from C or the bias, never from −0: see
    /// <see cref="MultiplyBias"/>), a full tile leaves out the depth steps where its whole A panel is zero.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void MultiplyAddColumns(Operand opA, Operand opB, float* pc, nint ldc, int m, int k, int col0, int cols, GemmPath path, bool overwrite, float* bias, bool skipZeroSteps = false)
    {
        if (RunsNarrow(m, cols, path))
        {
            MultiplyNarrow(opA, new Operand(opB.At(0, col0), opB.RowStep, opB.ColStep), pc + col0, ldc, m, k, cols, overwrite, bias == null ? null : bias + col0);
            return;
        }
        var g = GemmMicroKernels.For(path);
        int halfNR = GemmMicroKernels.HalfKernel(path, false) is null ? 0 : g.NR / 2;
        // Packed panels start on cache lines, so the micro-kernel's B rows never straddle two.
        float* bufA = Rent(ref s_packA, MC * g.KC + PackSlack);
        float* bufB = Rent(ref s_packB, g.KC * NC);
        float* bufTile = Rent(ref s_tile, g.MR * g.NR);
        bool bRowsContiguous = opB.ColStep == 1 && !AliasesInL1(opB.RowStep);
        // A tile of C comes back after the whole m × NC block has been swept: from L3 once that outgrows L2.
        bool prefetchC = Sse.IsSupported && (long)m * Math.Min(cols, NC) * sizeof(float) > L2Bytes;
        // Zero-step skipping: per full MR-row panel of A, its nonzero depth steps (their A values packed again, back to back,
        // and their indices), or a count of −1 where too few steps are zero to pay for the listing.
        var skipping = skipZeroSteps && !overwrite ? GemmMicroKernels.SkippingKernel(path, half: false) : null;
        var skippingHalf = skipping is null ? null : GemmMicroKernels.SkippingKernel(path, half: true);
        float* bufSparseA = skipping is null ? null : Rent(ref s_sparseA, MC * g.KC);
        int* steps = skipping is null ? null : RentInts(ref s_steps, MC / g.MR * g.KC);
        int* stepCounts = stackalloc int[MC / 4];

        for (int jc = col0; jc < col0 + cols; jc += NC)
        {
            int nc = Math.Min(NC, col0 + cols - jc);
            for (int pcK = 0; pcK < k; pcK += g.KC)
            {
                int kc = Math.Min(g.KC, k - pcK);
                bool fresh = overwrite && pcK == 0;   // this block's tiles start from zero, not from C
                bool fromBias = bias != null && pcK == 0;   // …or from the bias
                var kernel = GemmMicroKernels.Kernel(path, fresh);
                var halfKernel = GemmMicroKernels.HalfKernel(path, fresh);
                // Pack every NR panel that cannot be read in place: all of them when B is transposed or its rows alias
                // in L1 (the latter row by row), only the ragged last one when B is read in place.
                if (!bRowsContiguous && opB.ColStep == 1)
                    PackRowsIntoPanels(opB, pcK, jc, kc, nc, g.NR, halfNR, g.KC, bufB);
                else
                    for (int jr = 0; jr < nc; jr += g.NR)
                    {
                        int nr = Math.Min(g.NR, nc - jr);
                        int width = nr <= halfNR ? halfNR : g.NR;
                        if (!bRowsContiguous || (nr < g.NR && nr != halfNR))
                            PackB(opB, pcK, jc + jr, kc, nr, width, bufB + (jr / g.NR) * g.NR * g.KC);
                    }
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    for (int ir = 0; ir < mc; ir += g.MR)
                    {
                        PackA(opA, ic + ir, pcK, Math.Min(g.MR, mc - ir), kc, g.MR, bufA + ir * g.KC, m - (ic + ir));
                        stepCounts[ir / g.MR] = skipping is null || mc - ir < g.MR ? -1
                            : ListNonzeroSteps(bufA + ir * g.KC, kc, g.MR, bufSparseA + ir * g.KC, steps + ir / g.MR * g.KC);
                    }

                    for (int jr = 0; jr < nc; jr += g.NR)
                    {
                        int nr = Math.Min(g.NR, nc - jr);
                        bool half = nr <= halfNR;
                        int width = half ? halfNR : g.NR;
                        var run = half ? halfKernel : kernel;
                        float* bPanel;
                        nint ldb;
                        if (bRowsContiguous && nr == width) { bPanel = opB.At(pcK, jc + jr); ldb = opB.RowStep; }
                        else { bPanel = bufB + (jr / g.NR) * g.NR * g.KC; ldb = width; }

                        for (int ir = 0; ir < mc; ir += g.MR)
                        {
                            int mr = Math.Min(g.MR, mc - ir);
                            float* cTile = pc + (ic + ir) * ldc + jc + jr;
                            float* start = fromBias ? bias + jc + jr : cTile;
                            nint ldStart = fromBias ? 0 : ldc;
                            if (mr == g.MR && nr == width)
                            {
                                // The next tile down this panel, or the top of the next panel: its C rows arrive while this one computes.
                                if (prefetchC && ir + g.MR < mc)
                                    PrefetchTile(cTile + g.MR * ldc, ldc, Math.Min(g.MR, mc - ir - g.MR), width);
                                else if (prefetchC && jr + g.NR < nc)
                                    PrefetchTile(pc + ic * ldc + jc + jr + g.NR, ldc, Math.Min(g.MR, mc), Math.Min(g.NR, nc - jr - g.NR));
                                int count = stepCounts[ir / g.MR];
                                if (count >= 0)   // never for an overwritten C: skipping is only set up for tiles that start from C or a bias
                                    (half ? skippingHalf : skipping)(count, steps + ir / g.MR * g.KC, bufSparseA + ir * g.KC, bPanel, ldb, cTile, ldc, start, ldStart);
                                else
                                    run(kc, bufA + ir * g.KC, bPanel, ldb, cTile, ldc, start, ldStart);
                            }
                            else if (nr == g.NR && GemmMicroKernels.RowRemainderKernel(path, mr, fresh) is var rowKernel && rowKernel is not null)
                            {
                                rowKernel(kc, bufA + ir * g.KC, bPanel, ldb, cTile, ldc, start, ldStart);
                            }
                            else
                            {
                                // Ragged edge: run the same kernel on a copy of the tile, so every element is
                                // C + Σ in the same order as in a full tile and results do not depend on tiling.
                                new Span<float>(bufTile, g.MR * width).Clear();
                                if (!fresh)
                                    for (int i = 0; i < mr; i++)
                                        new ReadOnlySpan<float>(start + i * ldStart, nr).CopyTo(new Span<float>(bufTile + i * width, nr));
                                run(kc, bufA + ir * g.KC, bPanel, ldb, bufTile, width, bufTile, width);
                                for (int i = 0; i < mr; i++)
                                    new ReadOnlySpan<float>(bufTile + i * width, nr).CopyTo(new Span<float>(cTile + i * ldc, nr));
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Asks for the lines of a C tile before its micro-kernel runs: the kernel's first fused multiply-adds wait on C, and
    /// a tile whose rows come from L3 or memory (a C larger than L2, such as 1024²) otherwise stalls every kernel call at
    /// its start. Measured on Zen 3, 1024³ one thread: the kernel's loads of C took 16 % of its samples in a `perf` profile
    /// and 6 % with this, and the three forms ran 1.07–1.21× faster (two runs; 1.16–1.19× on two threads). On the training
    /// shapes, whose C stays in L2, it cost up to 10 % (a 40-wide dX), so it runs only for a C that outgrows L2
    /// (<see cref="L2Bytes"/>). x86 only: .NET has no prefetch intrinsic for Arm64.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, nint ldc, int rows, int width)
    {
        for (int i = 0; i < rows; i++) Prefetch.Lines(c + i * ldc, width);
    }

    /// <summary>
    /// True when rows <paramref name="rowStep"/> floats apart fall into at most 8 of the L1 cache's 64 sets (the stride is a
    /// multiple of 512 bytes: a power-of-two width such as 512 or 1024): a KC-row micro-panel read in place would then evict
    /// itself, so it is packed like a transposed B instead. Measured on Zen 3, 1024³ dX = dY·W ran at 0.56–0.61× numpy read in
    /// place and 0.85× packed; widths like 400 and 784, which spread over all 64 sets, run faster in place.
    /// </summary>
    private static bool AliasesInL1(nint rowStep) => rowStep * sizeof(float) % 512 == 0;

    /// <summary>Copies op(A)[row0 .. row0+rows, k0 .. k0+kc] into an MR-row panel laid out [k][MR], zero-padding missing rows;
    /// <paramref name="rowsLeft"/> rows of op(A) exist from row0 on.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void PackA(Operand a, int row0, int k0, int rows, int kc, int mr, float* dst, int rowsLeft)
    {
        if (a.RowStep == 1)
        {
            // A is a transposed matrix: the MR values of one k are contiguous in memory. A full panel of 6 or 8 rows moves as
            // one 8-wide vector per k when 8 rows exist from row0 on (6 rows: the two spare lanes land on the next k's slot,
            // which overwrites them, or in the buffer's slack after the last).
            if (rows == mr && (mr == 8 || (mr == 6 && rowsLeft >= 8)) && Vector256.IsHardwareAccelerated)
            {
                for (int k = 0; k < kc; k++)
                    Vector256.Store(Vector256.Load(a.At(row0, k0 + k)), dst + k * mr);
                return;
            }
            for (int k = 0; k < kc; k++)
            {
                float* src = a.At(row0, k0 + k);
                float* d = dst + k * mr;
                int i = 0;
                for (; i < rows; i++) d[i] = src[i];
                for (; i < mr; i++) d[i] = 0f;
            }
            return;
        }
        int kDone = 0;
        if (mr == 8 && rows == 8 && System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            // A full 8-row panel is an 8 × kc block transposed into kc × 8: whole 8×8 register transposes.
            for (; kDone + 8 <= kc; kDone += 8) Transpose.Block8x8(a.At(row0, k0 + kDone), a.RowStep, dst + kDone * 8, 8);
        }
        else if (mr == 6 && rows == 6 && System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            // The 6-row panel of the 256-bit kernel, the same way (two spare lanes per store; the buffer has room past its end).
            for (; kDone + 8 <= kc; kDone += 8) Transpose.Block6x8Packed(a.At(row0, k0 + kDone), a.RowStep, dst + kDone * 6);
        }
        for (int i = 0; i < rows; i++)
        {
            float* src = a.At(row0 + i, k0);
            for (int k = kDone; k < kc; k++) dst[k * mr + i] = src[k];
        }
        for (int i = rows; i < mr; i++)
            for (int k = 0; k < kc; k++) dst[k * mr + i] = 0f;
    }

    /// <summary>
    /// Packs op(B)[k0 .. k0+kc, col0 .. col0+cols], whose rows are contiguous, into every NR-wide panel at once (the layout
    /// <see cref="PackB"/> gives panel by panel; a last panel of at most NR/2 columns is NR/2 wide when there is a half kernel).
    /// Walking B row by row reads it as one sequential stream: panel by panel, each 64-byte piece came from a different
    /// page, and at a 4 KiB row stride that ran at about 5 cycles per float.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void PackRowsIntoPanels(Operand b, int k0, int col0, int kc, int cols, int nr, int halfNR, int kcMax, float* dst)
    {
        int fullPanels = cols / nr, rest = cols - fullPanels * nr;
        int lastWidth = rest == 0 ? 0 : rest <= halfNR ? halfNR : nr;
        for (int k = 0; k < kc; k++)
        {
            float* src = b.At(k0 + k, col0);
            float* d = dst + k * nr;
            for (int p = 0; p < fullPanels; p++, src += nr, d += nr * kcMax)
                new ReadOnlySpan<float>(src, nr).CopyTo(new Span<float>(d, nr));
            if (rest != 0)
            {
                d = dst + fullPanels * nr * kcMax + k * lastWidth;
                new ReadOnlySpan<float>(src, rest).CopyTo(new Span<float>(d, rest));
                new Span<float>(d + rest, lastWidth - rest).Clear();
            }
        }
    }

    /// <summary>Copies op(B)[k0 .. k0+kc, col0 .. col0+cols] into an NR-wide panel laid out [k][NR], zero-padding missing columns.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void PackB(Operand b, int k0, int col0, int kc, int cols, int nr, float* dst)
    {
        if (b.ColStep == 1)
        {
            for (int k = 0; k < kc; k++)
            {
                float* src = b.At(k0 + k, col0);
                float* d = dst + k * nr;
                new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
                for (int j = cols; j < nr; j++) d[j] = 0f;
            }
            return;
        }
        // B is a transposed matrix (the forward form): each column of the panel is a contiguous row of W.
        for (int j = 0; j < cols; j++)
        {
            float* src = b.At(k0, col0 + j);
            for (int k = 0; k < kc; k++) dst[k * nr + j] = src[k];
        }
        for (int j = cols; j < nr; j++)
            for (int k = 0; k < kc; k++) dst[k * nr + j] = 0f;
    }

    [ThreadStatic] private static CacheAlignedFloats? s_sparseA;
    [ThreadStatic] private static int[]? s_steps;

    /// <summary>
    /// Lists the depth steps of a packed MR-row A panel ([k][MR]) where some row is not zero: their indices into
    /// <paramref name="steps"/>, their MR values back to back into <paramref name="values"/>. Returns how many, or −1 when more
    /// than 7 in 8 steps are listed: the dense kernel then runs, which reads B's rows in order and is as fast per step. A
    /// panel of hidden activations is rarely zero for a whole step, so one whose first <see cref="ProbeSteps"/> are not zero
    /// often enough goes dense without listing the rest (the listing took 1.3 % of a two-thread training profile before).
    /// A −0 counts as zero: its products are ±0 too.
    /// </summary>
    private static int ListNonzeroSteps(float* panel, int kc, int mr, float* values, int* steps)
    {
        int probe = Math.Min(ProbeSteps, kc);
        int count = ListNonzeroSteps(panel, 0, probe, mr, values, steps, 0);
        if (count * 8 > probe * 7) return -1;
        count = ListNonzeroSteps(panel, probe, kc, mr, values, steps, count);
        if (count * 8 > kc * 7) return -1;
        SkippedSteps += kc - count;
        return count;
    }

    private const int ProbeSteps = 64;

    /// <summary>Steps [<paramref name="from"/>, <paramref name="to"/>) of the listing, after the <paramref name="count"/>
    /// listed so far; returns the new count.</summary>
    private static int ListNonzeroSteps(float* panel, int from, int to, int mr, float* values, int* steps, int count)
    {
        if (mr == 8 && Vector256.IsHardwareAccelerated)
        {
            // One compare and one store per step, and no branch on the data: each step is written, and kept by advancing the
            // count only where it is not zero. With a branch and a copy float by float, the 64-row MNIST forward ran 1.52×
            // the dense product; this way 1.72× (Zen 5).
            for (int k = from; k < to; k++)
            {
                var v = Vector256.Load(panel + k * 8);
                v.Store(values + count * 8);
                steps[count] = k;
                count += v != Vector256<float>.Zero ? 1 : 0;
            }
        }
        else if (mr == 4 && Vector128.IsHardwareAccelerated)
        {
            for (int k = from; k < to; k++)
            {
                var v = Vector128.Load(panel + k * 4);
                v.Store(values + count * 4);
                steps[count] = k;
                count += v != Vector128<float>.Zero ? 1 : 0;
            }
        }
        else
            for (int k = from; k < to; k++)
            {
                float* a = panel + k * mr;
                bool any = false;
                for (int i = 0; i < mr; i++) any |= a[i] != 0f;
                if (!any) continue;
                for (int i = 0; i < mr; i++) values[count * mr + i] = a[i];
                steps[count++] = k;
            }
        return count;
    }

    /// <summary>Depth steps this thread's products have left out as zero, for the tests and benchmarks that check the skipping
    /// runs (per panel, not per tile).</summary>
    [ThreadStatic] internal static long SkippedSteps;

    private static int* RentInts(ref int[]? slot, int length)
    {
        // Pinned, so the pointer stays valid: a product allocates nothing once the buffer has grown.
        if (slot is null || slot.Length < length)
            slot = GC.AllocateUninitializedArray<int>(length, pinned: true);
        return (int*)Unsafe.AsPointer(ref slot[0]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Rent(ref CacheAlignedFloats? slot, int length)
    {
        if (slot is null || slot.Length < length)
            slot = new CacheAlignedFloats(length);
        return slot.Pointer;
    }
}
