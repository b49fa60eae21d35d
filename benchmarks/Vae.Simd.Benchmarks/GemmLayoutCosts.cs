using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// `gemm-layout [rounds=15]`: what memory layout costs the GEMM on training's shapes, one thread, each comparison alternated
/// round by round in one process so that both sides see the same machine (median of the per-round ratios):
/// the micro-kernel alone on L1-resident operands (the ceiling); in-place operands starting on a 64-byte line vs 16 bytes past
/// one; phase 2's weight-gradient row blocks (16 or 40 rows, multiples of the AVX-512 kernel's 8) vs multiples of the
/// 6-row AVX2 kernel (18, 36); and a block's dW formed shard by shard vs in one product over the whole batch.
/// </summary>
public static unsafe class GemmLayoutCosts
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"GEMM path {GemmPaths.Best}, micro-kernel rows {GemmPaths.BestRowTile}");
        KernelCeiling();
        foreach (var (fanIn, fanOut) in new[] { (784, 400), (400, 784) })
            Alignment(fanIn, fanOut, shard: 64, rounds);
        RowBlocks(784, [16, 18, 24], rounds);
        RowBlocks(400, [40, 36, 42], rounds);
        foreach (var fanIn in new[] { 784, 400 }) ShardsInOneProduct(fanIn, GemmPaths.BestRowTile * 3, rounds);
    }

    private static void ShardsInOneProduct(int fanIn, int rows, int rounds)
    {
        // Phase 2 forms a block's dW shard by shard (two products over 64 rows each, C loaded and stored by each); were the two
        // shards' rows one contiguous block, one product over 128 rows would do the same fused multiply-adds in the same order.
        const int batch = 128, shard = 64, outputs = 400;
        float* dy = Aligned(batch * outputs), x = Aligned(batch * fanIn), dw = Aligned(rows * fanIn);
        Action perShard = () =>
        {
            for (int r0 = 0; r0 + rows <= outputs; r0 += rows)
                for (int s = 0; s < batch; s += shard)
                    Gemm.LinearBackwardWeight(M(dy + s * outputs, shard, outputs).SliceColumns(r0, rows), M(x + s * fanIn, shard, fanIn), W(dw, rows, fanIn), null);
        };
        Action whole = () =>
        {
            for (int r0 = 0; r0 + rows <= outputs; r0 += rows)
                Gemm.LinearBackwardWeight(M(dy, batch, outputs).SliceColumns(r0, rows), M(x, batch, fanIn), W(dw, rows, fanIn), null);
        };
        double flops = 2.0 * (outputs / rows * rows) * fanIn * batch;
        var (rates, ratio) = Alternate([perShard, whole], flops, rounds);
        Console.WriteLine($"dW of a {fanIn}-input layer, {rows}-row blocks, batch {batch}: two 64-row shards {rates[0]:F1}, one 128-row product {rates[1]:F1} GFLOP/s: median {ratio[1]:F3}×");
    }

    private static void KernelCeiling()
    {
        var g = GemmMicroKernels.For(GemmPaths.Best);
        var kernel = GemmMicroKernels.Kernel(GemmPaths.Best, overwrite: false);
        float* a = Aligned(g.MR * g.KC), b = Aligned(g.KC * g.NR), c = Aligned(g.MR * g.NR);
        // The other side: independent fused multiply-adds of the kernel's width and nothing else, the most the FMA pipes
        // can do; the kernel's share of it is what its loads, broadcasts and loop cost.
        int width = GemmPaths.Best switch { GemmPath.Vector512 => 16, GemmPath.Vector256 => 8, _ => 4 };
        var (rates, ratios) = Alternate(
            [() => { for (int i = 0; i < 1000; i++) kernel(g.KC, a, b, g.NR, c, g.NR, c, g.NR); }, () => IndependentFmas(g.KC * 1000, width, c)],
            [1000 * 2.0 * g.MR * g.NR * g.KC, 1000 * 2.0 * 12 * width * g.KC], rounds: 5);
        Console.WriteLine($"micro-kernel {g.MR}×{g.NR}, k = {g.KC}, operands in L1: {rates[0]:F1} GFLOP/s, " +
                          $"{100 / ratios[1]:F0} % of independent {32 * width}-bit fused multiply-adds ({rates[1]:F1}; medians of 5 alternated rounds)");
    }

    /// <summary>12 independent chains of <paramref name="steps"/> fused multiply-adds each, <paramref name="width"/> floats
    /// wide: enough chains to cover the latency of two pipes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void IndependentFmas(int steps, int width, float* sink)
    {
        if (width == 16) Chains<V512>(steps, sink);
        else if (width == 8) Chains<V256>(steps, sink);
        else Chains<V128>(steps, sink);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains<TVector>(int steps, float* sink) where TVector : struct, ISimdVector<TVector>
    {
        TVector x = TVector.Create(1.0001f), y = TVector.Create(0.9999f);
        TVector r0 = TVector.Create(0f), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0, r8 = r0, r9 = r0, r10 = r0, r11 = r0;
        for (int k = 0; k < steps; k++)
        {
            r0 = TVector.MultiplyAdd(x, y, r0); r1 = TVector.MultiplyAdd(x, y, r1); r2 = TVector.MultiplyAdd(x, y, r2);
            r3 = TVector.MultiplyAdd(x, y, r3); r4 = TVector.MultiplyAdd(x, y, r4); r5 = TVector.MultiplyAdd(x, y, r5);
            r6 = TVector.MultiplyAdd(x, y, r6); r7 = TVector.MultiplyAdd(x, y, r7); r8 = TVector.MultiplyAdd(x, y, r8);
            r9 = TVector.MultiplyAdd(x, y, r9); r10 = TVector.MultiplyAdd(x, y, r10); r11 = TVector.MultiplyAdd(x, y, r11);
        }
        var sum = TVector.Add(TVector.Add(TVector.Add(r0, r1), TVector.Add(r2, r3)), TVector.Add(TVector.Add(r4, r5), TVector.Add(r6, r7)));
        TVector.Store(TVector.Add(sum, TVector.Add(TVector.Add(r8, r9), TVector.Add(r10, r11))), ref *sink, 0);
    }

    private static void Alignment(int fanIn, int fanOut, int shard, int rounds)
    {
        // One block per operand, with room to start it on a line or 16 bytes (4 floats) past one.
        float* x = Aligned(shard * fanIn + 4), wt = Aligned(fanIn * fanOut + 4), w = Aligned(fanOut * fanIn + 4);
        float* dy = Aligned(shard * fanOut + 4), y = Aligned(shard * fanOut + 4), dx = Aligned(shard * fanIn + 4), dw = Aligned(fanOut * fanIn + 4);
        float* bias = Aligned(fanOut);
        double flops = 2.0 * shard * fanIn * fanOut;
        var forms = new (string Name, Action<int> Run)[]
        {
            ("forward (B = Wᵀ)", o => Gemm.LinearForwardTransposed(M(x + o, shard, fanIn), M(wt + o, fanIn, fanOut), Span(bias, fanOut), W(y + o, shard, fanOut), null)),
            ("dX (B = W)", o => Gemm.LinearBackwardInput(M(dy + o, shard, fanOut), M(w + o, fanOut, fanIn), W(dx + o, shard, fanIn), null)),
            ("dW (B = X)", o => Gemm.LinearBackwardWeight(M(dy + o, shard, fanOut), M(x + o, shard, fanIn), W(dw + o, fanOut, fanIn), null)),
        };
        foreach (var (name, run) in forms)
        {
            var (rates, ratio) = Alternate([() => run(0), () => run(4)], flops, rounds);
            Console.WriteLine($"{fanIn}→{fanOut} {name,-17} batch {shard}: on a line {rates[0]:F1}, 16 B past {rates[1]:F1} GFLOP/s; on a line is {1 / ratio[1]:F3}× faster (median)");
        }
    }

    private static void RowBlocks(int fanIn, int[] blockRows, int rounds)
    {
        // Phase 2 of the fused step: dW rows [r, r + rows) += dYᵀ·X over one 64-row shard, block after block over 400 rows.
        const int shard = 64, outputs = 400;
        float* dy = Aligned(shard * outputs), x = Aligned(shard * fanIn), dw = Aligned(blockRows.Max() * fanIn);
        var runs = blockRows.Select(rows => (Action)(() =>
        {
            for (int r0 = 0; r0 + rows <= outputs; r0 += rows)
                Gemm.LinearBackwardWeight(M(dy, shard, outputs).SliceColumns(r0, rows), M(x, shard, fanIn), W(dw, rows, fanIn), null);
        })).ToArray();
        // Each block size covers a whole number of blocks of the 400 rows: count the flops it really does.
        var flops = blockRows.Select(rows => 2.0 * (outputs / rows * rows) * fanIn * shard).ToArray();
        var (rates, ratio) = Alternate(runs, flops, rounds);
        for (int i = 1; i < blockRows.Length; i++)
            Console.WriteLine($"dW of a {fanIn}-input layer in blocks of {blockRows[i]} rows: {rates[i]:F1} GFLOP/s, vs {blockRows[0]} rows ({rates[0]:F1}): median {ratio[i]:F3}×");
    }

    /// <summary>Median GFLOP/s of each run and median per-round ratio of each to the first.</summary>
    private static (double[] Rates, double[] Ratios) Alternate(Action[] runs, double flops, int rounds) => Alternate(runs, runs.Select(_ => flops).ToArray(), rounds);

    private static (double[] Rates, double[] Ratios) Alternate(Action[] runs, double[] flops, int rounds) => Alternation.Run(runs, flops, rounds);

    private static float* Aligned(int floats)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
        var random = new SeededRandom((ulong)floats);
        for (int i = 0; i < floats; i++) p[i] = random.NextUniform(-1, 1);
        return p; // freed at exit: a benchmark process
    }

    private static ReadOnlyMatrixSpan M(float* p, int rows, int columns) => new(new ReadOnlySpan<float>(p, rows * columns), rows, columns);
    private static MatrixSpan W(float* p, int rows, int columns) => new(new Span<float>(p, rows * columns), rows, columns);
    private static ReadOnlySpan<float> Span(float* p, int length) => new(p, length);
}
