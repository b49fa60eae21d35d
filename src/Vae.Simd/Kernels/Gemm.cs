using System.Numerics.Tensors;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// Matrix products, in the forms a linear layer needs (W stored [out, in] as in PyTorch):
/// forward Y = X·Wᵀ + b, input gradient dX = dY·W, weight gradient dW += dYᵀ·X and
/// bias gradient db += Σ_rows dY. All run on <see cref="GemmDriver"/>, the BLIS-style
/// blocked product, with the micro-kernel of <see cref="GemmPaths.Best"/>.
/// </summary>
internal static class Gemm
{
    /// <summary>C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>;
    /// op transposes its operand when the matching flag is set.</summary>
    public static void Multiply(ReadOnlyMatrixSpan a, bool transposeA, ReadOnlyMatrixSpan b, bool transposeB, MatrixSpan c, bool accumulate)
        => Multiply(a, transposeA, b, transposeB, c, accumulate, GemmPaths.Best);

    /// <summary>As <see cref="Multiply(ReadOnlyMatrixSpan, bool, ReadOnlyMatrixSpan, bool, MatrixSpan, bool)"/>, with the
    /// output columns shared among <paramref name="pool"/>'s threads (same result for any thread count).</summary>
    public static void Multiply(ReadOnlyMatrixSpan a, bool transposeA, ReadOnlyMatrixSpan b, bool transposeB, MatrixSpan c, bool accumulate, WorkerPool? pool)
        => Multiply(a, transposeA, b, transposeB, c, accumulate, GemmPaths.Best, pool);

    internal static void Multiply(ReadOnlyMatrixSpan a, bool transposeA, ReadOnlyMatrixSpan b, bool transposeB, MatrixSpan c, bool accumulate, GemmPath path, WorkerPool? pool = null)
    {
        int m = transposeA ? a.Columns : a.Rows, k = transposeA ? a.Rows : a.Columns;
        int kb = transposeB ? b.Columns : b.Rows, n = transposeB ? b.Rows : b.Columns;
        if (kb != k)
            throw new ArgumentException($"inner dimensions differ: op(a) is {Shape.Describe(m, k)} and op(b) is {Shape.Describe(kb, n)}", nameof(b));
        if (c.Rows != m || c.Columns != n)
            throw new ArgumentException($"c has shape {c.ToString()} but op(a)·op(b) is {Shape.Describe(m, n)}", nameof(c));
        if (!Enum.IsDefined(path))
            throw new ArgumentOutOfRangeException(nameof(path), path, "not a GEMM path");
        GemmDriver.MultiplyAdd(a, transposeA, b, transposeB, c, overwrite: !accumulate, path, pool);
    }

    /// <summary>Forward of a linear layer: y = x·weightᵀ + bias, for x [B, in], weight [out, in], bias [out], y [B, out].
    /// Packs weightᵀ on every call; a layer with a cached Wᵀ uses <c>LinearForwardTransposed</c>, which gives the
    /// same result bit for bit.</summary>
    public static void LinearForward(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan weight, ReadOnlySpan<float> bias, MatrixSpan y, WorkerPool? pool = null)
        => LinearForward(x, weight, bias, y, GemmPaths.Best, pool);

    internal static void LinearForward(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan weight, ReadOnlySpan<float> bias, MatrixSpan y, GemmPath path, WorkerPool? pool = null)
    {
        if (x.Columns != weight.Columns)
            throw new ArgumentException($"x has shape {x.ToString()} but weight {weight.ToString()} expects {weight.Columns} input columns", nameof(x));
        Shape.CheckLength(bias.Length, weight.Rows, nameof(bias));
        Shape.Check(y, x.Rows, weight.Rows, nameof(y));
        GemmDriver.MultiplyBias(x, false, weight, true, bias, y, path, pool);
    }

    /// <summary>
    /// Forward of a linear layer from its transposed weight: y = x·Wᵀ + bias for x [B, in], <paramref name="transposedWeight"/>
    /// = Wᵀ [in, out], y [B, out]. Wᵀ's rows are read in place (no packing); a batch of at most <see cref="Gemv.MaxRows"/> rows
    /// reads it exactly once through <see cref="Gemv"/>, which computes every element the same way as the blocked product.
    /// </summary>
    public static void LinearForwardTransposed(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan transposedWeight, ReadOnlySpan<float> bias, MatrixSpan y, WorkerPool? pool = null)
        => LinearForwardTransposed(x, transposedWeight, bias, y, GemmPaths.Best, pool);

    internal static void LinearForwardTransposed(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan transposedWeight, ReadOnlySpan<float> bias, MatrixSpan y, GemmPath path, WorkerPool? pool = null)
        => LinearForwardTransposed(x, transposedWeight, default, bias, y, path, pool);

    /// <summary>As <see cref="LinearForwardTransposed(ReadOnlyMatrixSpan, ReadOnlyMatrixSpan, ReadOnlySpan{float}, MatrixSpan, WorkerPool?)"/>
    /// for weights rounded to bfloat16: <paramref name="transposedWeight"/> holds them as float32 and <paramref name="pairs"/>
    /// (unless empty) the same values packed, which a batch of at most <see cref="Gemv.MaxRows"/> rows reads at half the bytes
    /// through <see cref="GemvBFloat16"/>. Both compute the same numbers.</summary>
    public static void LinearForwardTransposed(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan transposedWeight, BFloat16Pairs pairs, ReadOnlySpan<float> bias, MatrixSpan y, WorkerPool? pool = null)
        => LinearForwardTransposed(x, transposedWeight, pairs, bias, y, GemmPaths.Best, pool);

    internal static void LinearForwardTransposed(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan transposedWeight, BFloat16Pairs pairs, ReadOnlySpan<float> bias, MatrixSpan y, GemmPath path, WorkerPool? pool = null)
    {
        if (!pairs.IsEmpty && (pairs.Rows != transposedWeight.Rows || pairs.Columns != transposedWeight.Columns))
            throw new ArgumentException($"the bfloat16 pairs are {pairs.Rows} × {pairs.Columns} but the transposed weight is {transposedWeight.ToString()}", nameof(pairs));
        if (x.Columns != transposedWeight.Rows)
            throw new ArgumentException($"x has shape {x.ToString()} but the transposed weight {transposedWeight.ToString()} expects {transposedWeight.Rows} input columns", nameof(x));
        Shape.CheckLength(bias.Length, transposedWeight.Columns, nameof(bias));
        Shape.Check(y, x.Rows, transposedWeight.Columns, nameof(y));
        if (x.Rows <= Gemv.MaxRows)
        {
            GemvForward(x, transposedWeight, pairs, bias, y, pool);
            return;
        }
        GemmDriver.MultiplyBias(x, false, transposedWeight, false, bias, y, path, pool);
    }

    private static unsafe void GemvForward(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan transposedWeight, BFloat16Pairs pairs, ReadOnlySpan<float> bias, MatrixSpan y, WorkerPool? pool)
    {
        int outputs = transposedWeight.Columns;
        // Split the columns of Wᵀ between threads when it is large enough to be worth a hand-off.
        if (pool is null || pool.Threads == 1 || (long)transposedWeight.Rows * outputs < 64 * 1024)
        {
            if (pairs.IsEmpty) Gemv.Forward(x, transposedWeight, bias, y, 0, outputs);
            else GemvBFloat16.Forward(x, pairs, bias, y, 0, outputs);
            return;
        }
        fixed (float* px = x.Data, pw = transposedWeight.Data, pb = bias, py = y.Data)
        fixed (uint* pp = pairs.Data)
        {
            var work = s_gemv ??= new ParallelGemv();
            work.Set(px, x.Rows, x.Columns, x.Stride, pw, outputs, transposedWeight.Stride, pp, pairs.Stride, pb, py, y.Stride, pool.Threads);
            pool.Run(work, work.Parts);
        }
    }

    [ThreadStatic] private static ParallelGemv? s_gemv;

    /// <summary>Column ranges of one <see cref="Gemv"/> (or <see cref="GemvBFloat16"/>) product, one per item (multiples of 16 wide).</summary>
    private sealed unsafe class ParallelGemv : IParallelWork
    {
        private float* _x, _w, _b, _y;
        private uint* _pairs;
        private int _rows, _k, _xStride, _out, _wStride, _pairStride, _yStride, _width;
        public int Parts { get; private set; }

        public void Set(float* x, int rows, int k, int xStride, float* w, int outputs, int wStride, uint* pairs, int pairStride, float* b, float* y, int yStride, int threads)
        {
            _x = x; _rows = rows; _k = k; _xStride = xStride; _w = w; _out = outputs; _wStride = wStride; _b = b; _y = y; _yStride = yStride;
            _pairs = pairs; _pairStride = pairStride;
            _width = ((outputs + threads - 1) / threads + 15) / 16 * 16;
            Parts = (outputs + _width - 1) / _width;
        }

        public void Execute(int item, int worker)
        {
            int start = item * _width;
            var x = new ReadOnlyMatrixSpan(new ReadOnlySpan<float>(_x, (_rows - 1) * _xStride + _k), _rows, _k, _xStride);
            var y = new MatrixSpan(new Span<float>(_y, (_rows - 1) * _yStride + _out), _rows, _out, _yStride);
            var b = new ReadOnlySpan<float>(_b, _out);
            if (_pairs is null)
            {
                var w = new ReadOnlyMatrixSpan(new ReadOnlySpan<float>(_w, (_k - 1) * _wStride + _out), _k, _out, _wStride);
                Gemv.Forward(x, w, b, y, start, Math.Min(_width, _out - start));
            }
            else
            {
                var w = new BFloat16Pairs(new ReadOnlySpan<uint>(_pairs, ((_k + 1) / 2 - 1) * _pairStride + _out), _k, _out, _pairStride);
                GemvBFloat16.Forward(x, w, b, y, start, Math.Min(_width, _out - start));
            }
        }
    }

    /// <summary>Input gradient of a linear layer: dx = dy·weight, for dy [B, out], weight [out, in], dx [B, in] (overwritten).</summary>
    public static void LinearBackwardInput(ReadOnlyMatrixSpan dy, ReadOnlyMatrixSpan weight, MatrixSpan dx, WorkerPool? pool = null)
        => LinearBackwardInput(dy, weight, dx, GemmPaths.Best, pool);

    internal static void LinearBackwardInput(ReadOnlyMatrixSpan dy, ReadOnlyMatrixSpan weight, MatrixSpan dx, GemmPath path, WorkerPool? pool = null)
    {
        if (dy.Columns != weight.Rows)
            throw new ArgumentException($"dy has shape {dy.ToString()} but weight {weight.ToString()} has {weight.Rows} outputs", nameof(dy));
        Shape.Check(dx, dy.Rows, weight.Columns, nameof(dx));
        Multiply(dy, false, weight, false, dx, accumulate: false, path, pool);
    }

    /// <summary>Weight gradient of a linear layer: dWeight += dyᵀ·x, for dy [B, out], x [B, in], dWeight [out, in].</summary>
    public static void LinearBackwardWeight(ReadOnlyMatrixSpan dy, ReadOnlyMatrixSpan x, MatrixSpan dWeight, WorkerPool? pool = null)
        => LinearBackwardWeight(dy, x, dWeight, GemmPaths.Best, pool);

    internal static void LinearBackwardWeight(ReadOnlyMatrixSpan dy, ReadOnlyMatrixSpan x, MatrixSpan dWeight, GemmPath path, WorkerPool? pool = null, bool accumulate = true)
    {
        if (dy.Rows != x.Rows)
            throw new ArgumentException($"dy has shape {dy.ToString()} and x has shape {x.ToString()}: the batch sizes differ", nameof(x));
        Shape.Check(dWeight, dy.Columns, x.Columns, nameof(dWeight));
        Multiply(dy, true, x, false, dWeight, accumulate, path, pool);
    }

    /// <summary>Weight gradient that overwrites: dWeight = dyᵀ·x (saves clearing the buffer first).</summary>
    public static void LinearWeightGradient(ReadOnlyMatrixSpan dy, ReadOnlyMatrixSpan x, MatrixSpan dWeight, WorkerPool? pool = null)
        => LinearBackwardWeight(dy, x, dWeight, GemmPaths.Best, pool, accumulate: false);

    /// <summary>Bias gradient of a linear layer: dBias[j] += Σ_r dy[r, j].</summary>
    public static void AccumulateColumnSums(ReadOnlyMatrixSpan dy, Span<float> dBias)
    {
        Shape.CheckLength(dBias.Length, dy.Columns, nameof(dBias));
        for (int r = 0; r < dy.Rows; r++) TensorPrimitives.Add(dBias, dy[r], dBias);
    }

    /// <summary>Bias gradient that overwrites: dBias[j] = Σ_r dy[r, j], summed in the same row order.</summary>
    public static void ColumnSums(ReadOnlyMatrixSpan dy, Span<float> dBias)
    {
        Shape.CheckLength(dBias.Length, dy.Columns, nameof(dBias));
        if (dy.Rows == 0) { dBias.Clear(); return; }
        dy[0].CopyTo(dBias);
        for (int r = 1; r < dy.Rows; r++) TensorPrimitives.Add(dBias, dy[r], dBias);
    }
}
