using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// Loss and gradient in one pass over the logits (fused: the logits are read once).
/// Each row's loss is summed in float vectors across its pixels, then stored in double, so a
/// batch total summed over rows in double stays accurate.
/// </summary>
internal static class ReconstructionLosses
{
    /// <summary>
    /// For each row r: <paramref name="rowLoss"/>[r] = Σ_j loss(logits[r, j], targets[r, j]) and, unless
    /// <paramref name="gradient"/> has no rows, gradient[r, j] = <paramref name="gradientScale"/> · ∂loss/∂logit.
    /// Returns Σ_r rowLoss[r].
    /// </summary>
    public static double Evaluate(Likelihood likelihood, ReadOnlyMatrixSpan logits, ReadOnlyMatrixSpan targets,
        MatrixSpan gradient, float gradientScale, Span<double> rowLoss)
    {
        Shape.CheckSame(logits, targets, nameof(targets));
        bool withGradient = gradient.Rows != 0;
        if (withGradient) Shape.CheckSame(logits, gradient, nameof(gradient));
        Shape.CheckLength(rowLoss.Length, logits.Rows, nameof(rowLoss));
        if (!float.IsFinite(gradientScale)) throw new ArgumentOutOfRangeException(nameof(gradientScale), gradientScale, "must be finite");
        double total = 0;
        for (int r = 0; r < logits.Rows; r++)
        {
            Span<float> g = withGradient ? gradient[r] : default;
            float loss = likelihood switch
            {
                Likelihood.Bernoulli => Row<BernoulliOp>(logits[r], targets[r], g, gradientScale),
                Likelihood.Gaussian => Row<GaussianOp>(logits[r], targets[r], g, gradientScale),
                _ => throw new ArgumentOutOfRangeException(nameof(likelihood), likelihood, "unknown likelihood"),
            };
            rowLoss[r] = loss;
            total += loss;
        }
        return total;
    }

    /// <summary>Probabilities (Bernoulli) or means (Gaussian) from logits: both are sigmoid(logits).</summary>
    public static void Mean(ReadOnlySpan<float> logits, Span<float> mean) => Activations.Forward(ActivationKind.Sigmoid, logits, mean);

    private interface IPixelLoss
    {
        static abstract float Loss(float logit, float target, out float dLoss);
        static abstract Vector256<float> Loss(Vector256<float> logit, Vector256<float> target, out Vector256<float> dLoss);
        static abstract Vector512<float> Loss(Vector512<float> logit, Vector512<float> target, out Vector512<float> dLoss);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Row<TOp>(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, float scale) where TOp : IPixelLoss
    {
        bool withGradient = !gradient.IsEmpty;
        ref float ls = ref MemoryMarshal.GetReference(logits);
        ref float ts = ref MemoryMarshal.GetReference(targets);
        ref float gs = ref MemoryMarshal.GetReference(gradient);
        int n = logits.Length, i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            var s = Vector512.Create(scale);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc += TOp.Loss(Vector512.LoadUnsafe(ref ls, (nuint)i), Vector512.LoadUnsafe(ref ts, (nuint)i), out var d);
                if (withGradient) (d * s).StoreUnsafe(ref gs, (nuint)i);
            }
            sum += Vector512.Sum(acc);
        }
        if (Vector256.IsHardwareAccelerated && n - i >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            var s = Vector256.Create(scale);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc += TOp.Loss(Vector256.LoadUnsafe(ref ls, (nuint)i), Vector256.LoadUnsafe(ref ts, (nuint)i), out var d);
                if (withGradient) (d * s).StoreUnsafe(ref gs, (nuint)i);
            }
            sum += Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            sum += TOp.Loss(Unsafe.Add(ref ls, i), Unsafe.Add(ref ts, i), out float d);
            if (withGradient) Unsafe.Add(ref gs, i) = d * scale;
        }
        return sum;
    }

    // BCE with logits, stable for any |l|: max(l, 0) − l·x + log(1 + e^−|l|); its derivative is σ(l) − x.
    // σ(l) is formed from the same e = e^−|l| so that neither branch overflows.
    private readonly struct BernoulliOp : IPixelLoss
    {
        public static float Loss(float l, float x, out float d)
        {
            float e = MathF.Exp(-MathF.Abs(l));
            float p = l >= 0 ? 1f / (1f + e) : e / (1f + e);
            d = p - x;
            return MathF.Max(l, 0f) - l * x + MathF.Log(1f + e);
        }

        public static Vector256<float> Loss(Vector256<float> l, Vector256<float> x, out Vector256<float> d)
        {
            var e = Vector256.Exp(-Vector256.Abs(l));
            var onePlusE = Vector256<float>.One + e;
            var p = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(l, Vector256<float>.Zero), Vector256<float>.One, e) / onePlusE;
            d = p - x;
            return Vector256.Max(l, Vector256<float>.Zero) - l * x + Vector256.Log(onePlusE);
        }

        public static Vector512<float> Loss(Vector512<float> l, Vector512<float> x, out Vector512<float> d)
        {
            var e = FastMath.ExpNonPositive(-Vector512.Abs(l));
            var p = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(l, Vector512<float>.Zero), Vector512<float>.One, e) / (Vector512<float>.One + e);
            d = p - x;
            return Vector512.Max(l, Vector512<float>.Zero) - l * x + FastMath.Log1pUnit(e);
        }
    }

    // (σ(l) − x)²; derivative 2 (σ(l) − x) σ(l) (1 − σ(l)).
    private readonly struct GaussianOp : IPixelLoss
    {
        public static float Loss(float l, float x, out float d)
        {
            float e = MathF.Exp(-MathF.Abs(l));
            float p = l >= 0 ? 1f / (1f + e) : e / (1f + e);
            float r = p - x;
            d = 2f * r * p * (1f - p);
            return r * r;
        }

        public static Vector256<float> Loss(Vector256<float> l, Vector256<float> x, out Vector256<float> d)
        {
            var e = Vector256.Exp(-Vector256.Abs(l));
            var p = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(l, Vector256<float>.Zero), Vector256<float>.One, e) / (Vector256<float>.One + e);
            var r = p - x;
            d = Vector256.Create(2f) * r * p * (Vector256<float>.One - p);
            return r * r;
        }

        public static Vector512<float> Loss(Vector512<float> l, Vector512<float> x, out Vector512<float> d)
        {
            var e = FastMath.ExpNonPositive(-Vector512.Abs(l));
            var p = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(l, Vector512<float>.Zero), Vector512<float>.One, e) / (Vector512<float>.One + e);
            var r = p - x;
            d = Vector512.Create(2f) * r * p * (Vector512<float>.One - p);
            return r * r;
        }
    }
}
