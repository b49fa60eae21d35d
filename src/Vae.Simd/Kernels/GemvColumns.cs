using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// The kernels of one storage of Wᵀ for <see cref="GemvColumns"/>: float32 rows (<see cref="Gemv"/>) or bfloat16 pairs of rows
/// (<see cref="GemvBFloat16"/>). Each adds, for <c>k</c> consecutive rows of Wᵀ starting at <c>w</c> (stored rows
/// <c>ldw</c> words apart), x[i]·Wᵀ[i, j] to y[j] for one vector (Single) or eight vectors (Block) of columns.
/// </summary>
internal unsafe interface IGemvKernels<TWord> where TWord : unmanaged
{
    /// <summary>Rows of Wᵀ in one stored row: 1, or 2 for pairs.</summary>
    static abstract int RowsPerWord { get; }
    static abstract void Block512(float* x, TWord* w, nint ldw, int k, float* y);
    static abstract void Single512(float* x, TWord* w, nint ldw, int k, float* y);
    static abstract void Block256(float* x, TWord* w, nint ldw, int k, float* y);
    static abstract void Single256(float* x, TWord* w, nint ldw, int k, float* y);
    static abstract void Block128(float* x, TWord* w, nint ldw, int k, float* y);
    static abstract void Single128(float* x, TWord* w, nint ldw, int k, float* y);
    /// <summary>Wᵀ[i, j] for the column at <paramref name="w"/>, widened to float32.</summary>
    static abstract float Element(TWord* w, nint ldw, int i);
}

/// <summary>
/// The loop that <see cref="Gemv"/> and <see cref="GemvBFloat16"/> share: y[r, j] = b[j], then fma(x[r, k], Wᵀ[k, j], y[r, j]) for
/// k in order, KB rows of Wᵀ per pass (contiguous memory) through every column block, the widest vectors first.
/// </summary>
internal static unsafe class GemvColumns
{
    /// <summary>Rows of Wᵀ per pass (even, so that a pass never splits a pair of rows).</summary>
    private const int KB = 16;

    /// <summary>Output columns [col0, col0 + cols) of y = x·Wᵀ + b, with Wᵀ's stored rows at <paramref name="w"/>, <paramref name="ldw"/> words apart.</summary>
    [MethodImpl(HotPath.Kernel)]
    public static void Run<TKernels, TWord>(ReadOnlyMatrixSpan x, TWord* w, nint ldw, ReadOnlySpan<float> bias, MatrixSpan y, int col0, int cols)
        where TKernels : IGemvKernels<TWord> where TWord : unmanaged
    {
        int k = x.Columns, end = col0 + cols;
        fixed (float* px = x.Data, pb = bias, py = y.Data)
        {
            for (int r = 0; r < x.Rows; r++)
            {
                float* xr = px + r * x.Stride, yr = py + r * y.Stride;
                new ReadOnlySpan<float>(pb + col0, cols).CopyTo(new Span<float>(yr + col0, cols));
                for (int k0 = 0; k0 < k; k0 += KB)
                {
                    int kb = Math.Min(KB, k - k0);
                    float* xk = xr + k0;
                    TWord* wk = w + k0 / TKernels.RowsPerWord * ldw;
                    int j = col0;
                    if (Vector512.IsHardwareAccelerated)
                    {
                        for (; j + 128 <= end; j += 128) TKernels.Block512(xk, wk + j, ldw, kb, yr + j);
                        for (; j + 16 <= end; j += 16) TKernels.Single512(xk, wk + j, ldw, kb, yr + j);
                    }
                    if (Vector256.IsHardwareAccelerated)
                    {
                        for (; j + 64 <= end; j += 64) TKernels.Block256(xk, wk + j, ldw, kb, yr + j);
                        for (; j + 8 <= end; j += 8) TKernels.Single256(xk, wk + j, ldw, kb, yr + j);
                    }
                    if (Vector128.IsHardwareAccelerated)
                    {
                        for (; j + 32 <= end; j += 32) TKernels.Block128(xk, wk + j, ldw, kb, yr + j);
                        for (; j + 4 <= end; j += 4) TKernels.Single128(xk, wk + j, ldw, kb, yr + j);
                    }
                    for (; j < end; j++)
                    {
                        float s = yr[j];
                        for (int i = 0; i < kb; i++) s = float.MultiplyAddEstimate(xk[i], TKernels.Element(wk + j, ldw, i), s);
                        yr[j] = s;
                    }
                }
            }
        }
    }
}
