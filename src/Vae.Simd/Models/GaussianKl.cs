using System.Runtime.CompilerServices;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>
/// The analytic KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ_j (1 + log σ²_j − μ²_j − σ²_j) per sample, and its
/// gradient ∂/∂μ = μ, ∂/∂log σ² = ½(σ² − 1).
/// </summary>
internal static class GaussianKl
{
    /// <summary>Writes each row's KL into <paramref name="rowKl"/> (in double) and returns their sum.</summary>
    [MethodImpl(HotPath.Kernel)]
    public static double Forward(ReadOnlyMatrixSpan mu, ReadOnlyMatrixSpan logVar, Span<double> rowKl)
    {
        Shape.CheckSame(mu, logVar, nameof(logVar));
        Shape.CheckLength(rowKl.Length, mu.Rows, nameof(rowKl));
        double total = 0;
        for (int r = 0; r < mu.Rows; r++)
        {
            ReadOnlySpan<float> m = mu[r], lv = logVar[r];
            double sum = 0;
            for (int j = 0; j < m.Length; j++)
            {
                double l = lv[j];
                sum += 1 + l - (double)m[j] * m[j] - Math.Exp(l);
            }
            rowKl[r] = -0.5 * sum;
            total += rowKl[r];
        }
        return total;
    }

    /// <summary>Accumulates dμ += weight·μ and dlogVar += weight·½(exp(logVar) − 1).</summary>
    [MethodImpl(HotPath.Kernel)]
    public static void Backward(ReadOnlyMatrixSpan mu, ReadOnlyMatrixSpan logVar, float weight, MatrixSpan dMu, MatrixSpan dLogVar)
    {
        Shape.CheckSame(mu, logVar, nameof(logVar));
        Shape.CheckSame(mu, dMu, nameof(dMu));
        Shape.CheckSame(mu, dLogVar, nameof(dLogVar));
        if (weight == 0f) return;
        for (int r = 0; r < mu.Rows; r++)
        {
            ReadOnlySpan<float> m = mu[r], lv = logVar[r];
            Span<float> dm = dMu[r], dl = dLogVar[r];
            for (int j = 0; j < m.Length; j++)
            {
                dm[j] += weight * m[j];
                dl[j] += weight * 0.5f * (MathF.Exp(lv[j]) - 1f);
            }
        }
    }
}
