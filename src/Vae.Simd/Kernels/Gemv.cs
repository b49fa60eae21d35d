using System.Runtime.Intrinsics;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// y = x·Wᵀ + b for a handful of rows of x (inference at batch 1): dot products of W's rows with x, four
/// rows of W at a time. At this size the product is a read of W, so the point is to read W exactly once,
/// at full bandwidth, with no packing; the blocked GEMM would pack Wᵀ and waste 7 of 8 tile rows.
/// </summary>
internal static unsafe class Gemv
{
    public const int MaxRows = 4;

    /// <summary>Output columns [col0, col0 + cols) of y = x·Wᵀ + b.</summary>
    public static void Forward(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan weight, ReadOnlySpan<float> bias, MatrixSpan y, int col0, int cols)
    {
        int k = x.Columns;
        fixed (float* px = x.Data, pw = weight.Data, pb = bias, py = y.Data)
        {
            for (int r = 0; r < x.Rows; r++)
            {
                float* xr = px + r * x.Stride, yr = py + r * y.Stride;
                int o = col0, end = col0 + cols;
                for (; o + 4 <= end; o += 4)
                {
                    float* w0 = pw + o * weight.Stride, w1 = w0 + weight.Stride, w2 = w1 + weight.Stride, w3 = w2 + weight.Stride;
                    var (s0, s1, s2, s3) = Dot4(xr, w0, w1, w2, w3, k);
                    yr[o] = pb[o] + s0; yr[o + 1] = pb[o + 1] + s1; yr[o + 2] = pb[o + 2] + s2; yr[o + 3] = pb[o + 3] + s3;
                }
                for (; o < end; o++) yr[o] = pb[o] + Dot1(xr, pw + o * weight.Stride, k);
            }
        }
    }

    private static (float, float, float, float) Dot4(float* x, float* w0, float* w1, float* w2, float* w3, int k)
    {
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 16 <= k; i += 16)
            {
                var xv = Vector512.Load(x + i);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + i), xv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), xv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), xv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), xv, a3);
            }
            s0 = Vector512.Sum(a0); s1 = Vector512.Sum(a1); s2 = Vector512.Sum(a2); s3 = Vector512.Sum(a3);
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 8 <= k; i += 8)
            {
                var xv = Vector256.Load(x + i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + i), xv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + i), xv, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + i), xv, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + i), xv, a3);
            }
            s0 = Vector256.Sum(a0); s1 = Vector256.Sum(a1); s2 = Vector256.Sum(a2); s3 = Vector256.Sum(a3);
        }
        for (; i < k; i++)
        {
            s0 += w0[i] * x[i]; s1 += w1[i] * x[i]; s2 += w2[i] * x[i]; s3 += w3[i] * x[i];
        }
        return (s0, s1, s2, s3);
    }

    private static float Dot1(float* x, float* w, int k)
    {
        float s = 0;
        for (int i = 0; i < k; i++) s += w[i] * x[i];
        return s;
    }
}
