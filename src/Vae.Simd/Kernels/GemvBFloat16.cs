using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// <see cref="Gemv"/> with Wᵀ stored in bfloat16 pairs (<see cref="BFloat16Pairs"/>): half the bytes per call, float32
/// arithmetic. Every element is the same chain as <see cref="Gemv.Forward"/>'s on the widened weights — y[r, j] = b[j], then
/// fma(x[r, k], Wᵀ[k, j], y[r, j]) for k in order — so it equals the float32 product on the rounded weights bit for bit, at
/// every vector width, and the blocked GEMM on those rounded weights computes the same numbers for larger batches.
/// </summary>
internal static unsafe class GemvBFloat16
{
    /// <summary>Output columns [col0, col0 + cols) of y = x·Wᵀ + b.</summary>
    public static void Forward(ReadOnlyMatrixSpan x, BFloat16Pairs transposedWeight, ReadOnlySpan<float> bias, MatrixSpan y, int col0, int cols)
    {
        fixed (uint* pw = transposedWeight.Data)
            GemvColumns.Run<Pairs, uint>(x, pw, transposedWeight.Stride, bias, y, col0, cols);
    }

    /// <summary>The kernels for Wᵀ stored as bfloat16 pairs of rows.</summary>
    private readonly struct Pairs : IGemvKernels<uint>
    {
        public static int RowsPerWord => 2;

        public static float Element(uint* w, nint ldw, int i) => (i & 1) == 0 ? BFloat16.Low(w[(i >> 1) * ldw]) : BFloat16.High(w[(i >> 1) * ldw]);

        // As in Gemv: eight vectors of columns per pass keep eight independent FMA chains in flight. One load serves two rows of
        // Wᵀ: the low halves widen by a shift, the high halves by a mask.
        [MethodImpl(HotPath.Kernel)]
        public static void Block512(float* x, uint* w, nint ldw, int k, float* y)
        {
            Vector512<float> a0 = Vector512.Load(y + 0), a1 = Vector512.Load(y + 16), a2 = Vector512.Load(y + 32), a3 = Vector512.Load(y + 48), a4 = Vector512.Load(y + 64), a5 = Vector512.Load(y + 80), a6 = Vector512.Load(y + 96), a7 = Vector512.Load(y + 112);
            var mask = Vector512.Create(0xFFFF0000u);
            int i = 0;
            for (; i + 1 < k; i += 2, w += ldw)
            {
                var x0 = Vector512.Create(x[i]);
                var x1 = Vector512.Create(x[i + 1]);
                var w0 = Vector512.Load(w + 0);
                a0 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w0, 16).AsSingle(), a0);
                a0 = Vector512.MultiplyAddEstimate(x1, (w0 & mask).AsSingle(), a0);
                var w1 = Vector512.Load(w + 16);
                a1 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w1, 16).AsSingle(), a1);
                a1 = Vector512.MultiplyAddEstimate(x1, (w1 & mask).AsSingle(), a1);
                var w2 = Vector512.Load(w + 32);
                a2 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w2, 16).AsSingle(), a2);
                a2 = Vector512.MultiplyAddEstimate(x1, (w2 & mask).AsSingle(), a2);
                var w3 = Vector512.Load(w + 48);
                a3 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w3, 16).AsSingle(), a3);
                a3 = Vector512.MultiplyAddEstimate(x1, (w3 & mask).AsSingle(), a3);
                var w4 = Vector512.Load(w + 64);
                a4 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w4, 16).AsSingle(), a4);
                a4 = Vector512.MultiplyAddEstimate(x1, (w4 & mask).AsSingle(), a4);
                var w5 = Vector512.Load(w + 80);
                a5 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w5, 16).AsSingle(), a5);
                a5 = Vector512.MultiplyAddEstimate(x1, (w5 & mask).AsSingle(), a5);
                var w6 = Vector512.Load(w + 96);
                a6 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w6, 16).AsSingle(), a6);
                a6 = Vector512.MultiplyAddEstimate(x1, (w6 & mask).AsSingle(), a6);
                var w7 = Vector512.Load(w + 112);
                a7 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(w7, 16).AsSingle(), a7);
                a7 = Vector512.MultiplyAddEstimate(x1, (w7 & mask).AsSingle(), a7);
            }
            if (i < k)
            {
                var x0 = Vector512.Create(x[i]);
                a0 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 0), 16).AsSingle(), a0);
                a1 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 16), 16).AsSingle(), a1);
                a2 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 32), 16).AsSingle(), a2);
                a3 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 48), 16).AsSingle(), a3);
                a4 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 64), 16).AsSingle(), a4);
                a5 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 80), 16).AsSingle(), a5);
                a6 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 96), 16).AsSingle(), a6);
                a7 = Vector512.MultiplyAddEstimate(x0, Vector512.ShiftLeft(Vector512.Load(w + 112), 16).AsSingle(), a7);
            }
            a0.Store(y + 0); a1.Store(y + 16); a2.Store(y + 32); a3.Store(y + 48); a4.Store(y + 64); a5.Store(y + 80); a6.Store(y + 96); a7.Store(y + 112);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Single512(float* x, uint* w, nint ldw, int k, float* y)
        {
            var a = Vector512.Load(y);
            var mask = Vector512.Create(0xFFFF0000u);
            int i = 0;
            for (; i + 1 < k; i += 2, w += ldw)
            {
                var v = Vector512.Load(w);
                a = Vector512.MultiplyAddEstimate(Vector512.Create(x[i]), Vector512.ShiftLeft(v, 16).AsSingle(), a);
                a = Vector512.MultiplyAddEstimate(Vector512.Create(x[i + 1]), (v & mask).AsSingle(), a);
            }
            if (i < k) a = Vector512.MultiplyAddEstimate(Vector512.Create(x[i]), Vector512.ShiftLeft(Vector512.Load(w), 16).AsSingle(), a);
            a.Store(y);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Block256(float* x, uint* w, nint ldw, int k, float* y)
        {
            Vector256<float> a0 = Vector256.Load(y + 0), a1 = Vector256.Load(y + 8), a2 = Vector256.Load(y + 16), a3 = Vector256.Load(y + 24), a4 = Vector256.Load(y + 32), a5 = Vector256.Load(y + 40), a6 = Vector256.Load(y + 48), a7 = Vector256.Load(y + 56);
            var mask = Vector256.Create(0xFFFF0000u);
            int i = 0;
            for (; i + 1 < k; i += 2, w += ldw)
            {
                var x0 = Vector256.Create(x[i]);
                var x1 = Vector256.Create(x[i + 1]);
                var w0 = Vector256.Load(w + 0);
                a0 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w0, 16).AsSingle(), a0);
                a0 = Vector256.MultiplyAddEstimate(x1, (w0 & mask).AsSingle(), a0);
                var w1 = Vector256.Load(w + 8);
                a1 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w1, 16).AsSingle(), a1);
                a1 = Vector256.MultiplyAddEstimate(x1, (w1 & mask).AsSingle(), a1);
                var w2 = Vector256.Load(w + 16);
                a2 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w2, 16).AsSingle(), a2);
                a2 = Vector256.MultiplyAddEstimate(x1, (w2 & mask).AsSingle(), a2);
                var w3 = Vector256.Load(w + 24);
                a3 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w3, 16).AsSingle(), a3);
                a3 = Vector256.MultiplyAddEstimate(x1, (w3 & mask).AsSingle(), a3);
                var w4 = Vector256.Load(w + 32);
                a4 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w4, 16).AsSingle(), a4);
                a4 = Vector256.MultiplyAddEstimate(x1, (w4 & mask).AsSingle(), a4);
                var w5 = Vector256.Load(w + 40);
                a5 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w5, 16).AsSingle(), a5);
                a5 = Vector256.MultiplyAddEstimate(x1, (w5 & mask).AsSingle(), a5);
                var w6 = Vector256.Load(w + 48);
                a6 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w6, 16).AsSingle(), a6);
                a6 = Vector256.MultiplyAddEstimate(x1, (w6 & mask).AsSingle(), a6);
                var w7 = Vector256.Load(w + 56);
                a7 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(w7, 16).AsSingle(), a7);
                a7 = Vector256.MultiplyAddEstimate(x1, (w7 & mask).AsSingle(), a7);
            }
            if (i < k)
            {
                var x0 = Vector256.Create(x[i]);
                a0 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 0), 16).AsSingle(), a0);
                a1 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 8), 16).AsSingle(), a1);
                a2 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 16), 16).AsSingle(), a2);
                a3 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 24), 16).AsSingle(), a3);
                a4 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 32), 16).AsSingle(), a4);
                a5 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 40), 16).AsSingle(), a5);
                a6 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 48), 16).AsSingle(), a6);
                a7 = Vector256.MultiplyAddEstimate(x0, Vector256.ShiftLeft(Vector256.Load(w + 56), 16).AsSingle(), a7);
            }
            a0.Store(y + 0); a1.Store(y + 8); a2.Store(y + 16); a3.Store(y + 24); a4.Store(y + 32); a5.Store(y + 40); a6.Store(y + 48); a7.Store(y + 56);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Single256(float* x, uint* w, nint ldw, int k, float* y)
        {
            var a = Vector256.Load(y);
            var mask = Vector256.Create(0xFFFF0000u);
            int i = 0;
            for (; i + 1 < k; i += 2, w += ldw)
            {
                var v = Vector256.Load(w);
                a = Vector256.MultiplyAddEstimate(Vector256.Create(x[i]), Vector256.ShiftLeft(v, 16).AsSingle(), a);
                a = Vector256.MultiplyAddEstimate(Vector256.Create(x[i + 1]), (v & mask).AsSingle(), a);
            }
            if (i < k) a = Vector256.MultiplyAddEstimate(Vector256.Create(x[i]), Vector256.ShiftLeft(Vector256.Load(w), 16).AsSingle(), a);
            a.Store(y);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Block128(float* x, uint* w, nint ldw, int k, float* y)
        {
            Vector128<float> a0 = Vector128.Load(y + 0), a1 = Vector128.Load(y + 4), a2 = Vector128.Load(y + 8), a3 = Vector128.Load(y + 12), a4 = Vector128.Load(y + 16), a5 = Vector128.Load(y + 20), a6 = Vector128.Load(y + 24), a7 = Vector128.Load(y + 28);
            var mask = Vector128.Create(0xFFFF0000u);
            int i = 0;
            for (; i + 1 < k; i += 2, w += ldw)
            {
                var x0 = Vector128.Create(x[i]);
                var x1 = Vector128.Create(x[i + 1]);
                var w0 = Vector128.Load(w + 0);
                a0 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w0, 16).AsSingle(), a0);
                a0 = Vector128.MultiplyAddEstimate(x1, (w0 & mask).AsSingle(), a0);
                var w1 = Vector128.Load(w + 4);
                a1 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w1, 16).AsSingle(), a1);
                a1 = Vector128.MultiplyAddEstimate(x1, (w1 & mask).AsSingle(), a1);
                var w2 = Vector128.Load(w + 8);
                a2 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w2, 16).AsSingle(), a2);
                a2 = Vector128.MultiplyAddEstimate(x1, (w2 & mask).AsSingle(), a2);
                var w3 = Vector128.Load(w + 12);
                a3 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w3, 16).AsSingle(), a3);
                a3 = Vector128.MultiplyAddEstimate(x1, (w3 & mask).AsSingle(), a3);
                var w4 = Vector128.Load(w + 16);
                a4 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w4, 16).AsSingle(), a4);
                a4 = Vector128.MultiplyAddEstimate(x1, (w4 & mask).AsSingle(), a4);
                var w5 = Vector128.Load(w + 20);
                a5 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w5, 16).AsSingle(), a5);
                a5 = Vector128.MultiplyAddEstimate(x1, (w5 & mask).AsSingle(), a5);
                var w6 = Vector128.Load(w + 24);
                a6 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w6, 16).AsSingle(), a6);
                a6 = Vector128.MultiplyAddEstimate(x1, (w6 & mask).AsSingle(), a6);
                var w7 = Vector128.Load(w + 28);
                a7 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(w7, 16).AsSingle(), a7);
                a7 = Vector128.MultiplyAddEstimate(x1, (w7 & mask).AsSingle(), a7);
            }
            if (i < k)
            {
                var x0 = Vector128.Create(x[i]);
                a0 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 0), 16).AsSingle(), a0);
                a1 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 4), 16).AsSingle(), a1);
                a2 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 8), 16).AsSingle(), a2);
                a3 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 12), 16).AsSingle(), a3);
                a4 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 16), 16).AsSingle(), a4);
                a5 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 20), 16).AsSingle(), a5);
                a6 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 24), 16).AsSingle(), a6);
                a7 = Vector128.MultiplyAddEstimate(x0, Vector128.ShiftLeft(Vector128.Load(w + 28), 16).AsSingle(), a7);
            }
            a0.Store(y + 0); a1.Store(y + 4); a2.Store(y + 8); a3.Store(y + 12); a4.Store(y + 16); a5.Store(y + 20); a6.Store(y + 24); a7.Store(y + 28);
        }

        [MethodImpl(HotPath.Kernel)]
        public static void Single128(float* x, uint* w, nint ldw, int k, float* y)
        {
            var a = Vector128.Load(y);
            var mask = Vector128.Create(0xFFFF0000u);
            int i = 0;
            for (; i + 1 < k; i += 2, w += ldw)
            {
                var v = Vector128.Load(w);
                a = Vector128.MultiplyAddEstimate(Vector128.Create(x[i]), Vector128.ShiftLeft(v, 16).AsSingle(), a);
                a = Vector128.MultiplyAddEstimate(Vector128.Create(x[i + 1]), (v & mask).AsSingle(), a);
            }
            if (i < k) a = Vector128.MultiplyAddEstimate(Vector128.Create(x[i]), Vector128.ShiftLeft(Vector128.Load(w), 16).AsSingle(), a);
            a.Store(y);
        }
    }
}
