using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// y = x·Wᵀ + b for a handful of rows of x (inference at batch 1), reading the layer's transposed weight
/// Wᵀ [in, out] once, at full bandwidth, with no packing. Each element is the chain the blocked GEMM computes:
/// y[r, j] = b[j], then y[r, j] = fma(x[r, k], Wᵀ[k, j], y[r, j]) for k = 0, 1, … in order. Because every path
/// computes that same chain, a row's output never depends on how many rows were computed with it (batch 1 and
/// batch 1000 agree bit for bit) nor on the vector width.
/// </summary>
internal static unsafe class Gemv
{
    public const int MaxRows = 4;

    /// <summary>Output columns [col0, col0 + cols) of y = x·Wᵀ + b, with <paramref name="transposedWeight"/> = Wᵀ [in, out].</summary>
    public static void Forward(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan transposedWeight, ReadOnlySpan<float> bias, MatrixSpan y, int col0, int cols)
    {
        fixed (float* pw = transposedWeight.Data)
            GemvColumns.Run<Rows, float>(x, pw, transposedWeight.Stride, bias, y, col0, cols);
    }

    /// <summary>The kernels for Wᵀ stored as float32 rows.</summary>
    private readonly struct Rows : IGemvKernels<float>
    {
        public static int RowsPerWord => 1;

        public static float Element(float* w, nint ldw, int i) => w[i * ldw];

        // Eight vectors of columns per pass keep eight independent FMA chains in flight (two FMA units × four cycles of
        // latency); y holds the chains between passes.
        [MethodImpl(HotPath.Kernel)]
        public static void Block512(float* x, float* w, nint ldw, int k, float* y)
        {
            Vector512<float> a0 = Vector512.Load(y), a1 = Vector512.Load(y + 16), a2 = Vector512.Load(y + 32), a3 = Vector512.Load(y + 48), a4 = Vector512.Load(y + 64), a5 = Vector512.Load(y + 80), a6 = Vector512.Load(y + 96), a7 = Vector512.Load(y + 112);
            for (int i = 0; i < k; i++, w += ldw)
            {
                var xv = Vector512.Create(x[i]);
                a0 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w), a0);
                a1 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w + 16), a1);
                a2 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w + 32), a2);
                a3 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w + 48), a3);
                a4 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w + 64), a4);
                a5 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w + 80), a5);
                a6 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w + 96), a6);
                a7 = Vector512.MultiplyAddEstimate(xv, Vector512.Load(w + 112), a7);
            }
            a0.Store(y); a1.Store(y + 16); a2.Store(y + 32); a3.Store(y + 48); a4.Store(y + 64); a5.Store(y + 80); a6.Store(y + 96); a7.Store(y + 112);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Single512(float* x, float* w, nint ldw, int k, float* y)
        {
            var a = Vector512.Load(y);
            for (int i = 0; i < k; i++, w += ldw) a = Vector512.MultiplyAddEstimate(Vector512.Create(x[i]), Vector512.Load(w), a);
            a.Store(y);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Block256(float* x, float* w, nint ldw, int k, float* y)
        {
            Vector256<float> a0 = Vector256.Load(y), a1 = Vector256.Load(y + 8), a2 = Vector256.Load(y + 16), a3 = Vector256.Load(y + 24), a4 = Vector256.Load(y + 32), a5 = Vector256.Load(y + 40), a6 = Vector256.Load(y + 48), a7 = Vector256.Load(y + 56);
            for (int i = 0; i < k; i++, w += ldw)
            {
                var xv = Vector256.Create(x[i]);
                a0 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w), a0);
                a1 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w + 8), a1);
                a2 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w + 16), a2);
                a3 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w + 24), a3);
                a4 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w + 32), a4);
                a5 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w + 40), a5);
                a6 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w + 48), a6);
                a7 = Vector256.MultiplyAddEstimate(xv, Vector256.Load(w + 56), a7);
            }
            a0.Store(y); a1.Store(y + 8); a2.Store(y + 16); a3.Store(y + 24); a4.Store(y + 32); a5.Store(y + 40); a6.Store(y + 48); a7.Store(y + 56);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Single256(float* x, float* w, nint ldw, int k, float* y)
        {
            var a = Vector256.Load(y);
            for (int i = 0; i < k; i++, w += ldw) a = Vector256.MultiplyAddEstimate(Vector256.Create(x[i]), Vector256.Load(w), a);
            a.Store(y);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Block128(float* x, float* w, nint ldw, int k, float* y)
        {
            Vector128<float> a0 = Vector128.Load(y), a1 = Vector128.Load(y + 4), a2 = Vector128.Load(y + 8), a3 = Vector128.Load(y + 12), a4 = Vector128.Load(y + 16), a5 = Vector128.Load(y + 20), a6 = Vector128.Load(y + 24), a7 = Vector128.Load(y + 28);
            for (int i = 0; i < k; i++, w += ldw)
            {
                var xv = Vector128.Create(x[i]);
                a0 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w), a0);
                a1 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w + 4), a1);
                a2 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w + 8), a2);
                a3 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w + 12), a3);
                a4 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w + 16), a4);
                a5 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w + 20), a5);
                a6 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w + 24), a6);
                a7 = Vector128.MultiplyAddEstimate(xv, Vector128.Load(w + 28), a7);
            }
            a0.Store(y); a1.Store(y + 4); a2.Store(y + 8); a3.Store(y + 12); a4.Store(y + 16); a5.Store(y + 20); a6.Store(y + 24); a7.Store(y + 28);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Single128(float* x, float* w, nint ldw, int k, float* y)
        {
            var a = Vector128.Load(y);
            for (int i = 0; i < k; i++, w += ldw) a = Vector128.MultiplyAddEstimate(Vector128.Create(x[i]), Vector128.Load(w), a);
            a.Store(y);
        }
    }
}
