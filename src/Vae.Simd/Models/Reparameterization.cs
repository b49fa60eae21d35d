using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>
/// The reparameterization trick: z = μ + exp(½·log σ²) ⊙ ε with ε ~ N(0, I) drawn outside, so
/// z is a differentiable function of (μ, log σ²): ∂z/∂μ = 1 and ∂z/∂log σ² = ½·ε·σ = ½·(z − μ).
/// </summary>
internal static class Reparameterization
{
    /// <summary>z = μ + exp(½·logVar) ⊙ ε, row by row.</summary>
    [MethodImpl(HotPath.Kernel)]
    public static void Forward(ReadOnlyMatrixSpan mu, ReadOnlyMatrixSpan logVar, ReadOnlyMatrixSpan epsilon, MatrixSpan z)
    {
        Shape.CheckSame(mu, logVar, nameof(logVar));
        Shape.CheckSame(mu, epsilon, nameof(epsilon));
        Shape.CheckSame(mu, z, nameof(z));
        for (int r = 0; r < mu.Rows; r++)
        {
            Span<float> zr = z[r];
            TensorPrimitives.Multiply(logVar[r], 0.5f, zr);
            TensorPrimitives.Exp(zr, zr);                                 // σ
            TensorPrimitives.MultiplyAddEstimate(zr, epsilon[r], mu[r], zr); // σ·ε + μ
        }
    }

    /// <summary>Accumulates dμ += dz and dlogVar += dz ⊙ ½(z − μ).</summary>
    [MethodImpl(HotPath.Kernel)]
    public static void Backward(ReadOnlyMatrixSpan mu, ReadOnlyMatrixSpan z, ReadOnlyMatrixSpan dz, MatrixSpan dMu, MatrixSpan dLogVar)
    {
        Shape.CheckSame(mu, z, nameof(z));
        Shape.CheckSame(mu, dz, nameof(dz));
        Shape.CheckSame(mu, dMu, nameof(dMu));
        Shape.CheckSame(mu, dLogVar, nameof(dLogVar));
        for (int r = 0; r < mu.Rows; r++)
        {
            ReadOnlySpan<float> zr = z[r], mr = mu[r], dzr = dz[r];
            Span<float> dm = dMu[r], dl = dLogVar[r];
            TensorPrimitives.Add(dm, dzr, dm);
            for (int j = 0; j < zr.Length; j++) dl[j] += dzr[j] * 0.5f * (zr[j] - mr[j]);
        }
    }
}
