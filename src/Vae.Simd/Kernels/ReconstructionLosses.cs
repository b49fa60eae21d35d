using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vae.Simd.Common;
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
        /// <summary>The loss of each lane, with ∂loss/∂logit in <paramref name="dLoss"/>.</summary>
        static abstract TV Loss<TV>(TV logit, TV target, out TV dLoss) where TV : struct, ISimdVector<TV>;
    }

    // Not inlined into Evaluate's switch: compiled fully optimized once per loss, whatever the host's tiering settings.
    [MethodImpl(HotPath.Kernel)]
    private static float Row<TOp>(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> gradient, float scale) where TOp : IPixelLoss
    {
        ref float ls = ref MemoryMarshal.GetReference(logits);
        ref float ts = ref MemoryMarshal.GetReference(targets);
        ref float gs = ref MemoryMarshal.GetReference(gradient);
        bool withGradient = !gradient.IsEmpty;
        int n = logits.Length, i = 0;
        float sum = 0f;
        sum += Body<TOp, V512>(ref ls, ref ts, ref gs, withGradient, scale, n, ref i);
        sum += Body<TOp, V256>(ref ls, ref ts, ref gs, withGradient, scale, n, ref i);
        sum += Body<TOp, V128>(ref ls, ref ts, ref gs, withGradient, scale, n, ref i);
        sum += Body<TOp, V1>(ref ls, ref ts, ref gs, withGradient, scale, n, ref i);
        return sum;
    }

    /// <summary>Whole vectors of width <typeparamref name="TV"/> from <paramref name="i"/> on (if that width runs in hardware):
    /// their losses summed in a vector, gradients stored. Every width runs the same <typeparamref name="TOp"/>, so an element's
    /// loss and gradient are the same bits on every path; only the order of the row's sum differs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Body<TOp, TV>(ref float ls, ref float ts, ref float gs, bool withGradient, float scale, int n, ref int i)
        where TOp : IPixelLoss where TV : struct, ISimdVector<TV>
    {
        if (!TV.IsAccelerated || n - i < TV.Count) return 0f;
        var acc = TV.Create(0f);
        var s = TV.Create(scale);
        for (; i <= n - TV.Count; i += TV.Count)
        {
            acc = TV.Add(acc, TOp.Loss(TV.Load(ref ls, (nuint)i), TV.Load(ref ts, (nuint)i), out var d));
            if (withGradient) TV.Store(TV.Multiply(d, s), ref gs, (nuint)i);
        }
        return TV.Sum(acc);
    }

    // BCE with logits, stable for any |l|: max(l, 0) − l·x + log(1 + e^−|l|); its derivative is σ(l) − x.
    // σ(l) is formed from the same e = e^−|l| so that neither branch overflows.
    private readonly struct BernoulliOp : IPixelLoss
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Loss<TV>(TV l, TV x, out TV d) where TV : struct, ISimdVector<TV>
        {
            var e = FastMath.ExpNonPositive(TV.Subtract(TV.Create(0f), TV.Abs(l)));
            var p = TV.Divide(TV.Select(TV.GreaterThanOrEqualZero(l), TV.Create(1f), e), TV.Add(TV.Create(1f), e));
            d = TV.Subtract(p, x);
            return TV.Add(TV.Subtract(TV.Max(l, TV.Create(0f)), TV.Multiply(l, x)), FastMath.Log1pUnit(e));
        }
    }

    // (σ(l) − x)²; derivative 2 (σ(l) − x) σ(l) (1 − σ(l)).
    private readonly struct GaussianOp : IPixelLoss
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Loss<TV>(TV l, TV x, out TV d) where TV : struct, ISimdVector<TV>
        {
            var e = FastMath.ExpNonPositive(TV.Subtract(TV.Create(0f), TV.Abs(l)));
            var p = TV.Divide(TV.Select(TV.GreaterThanOrEqualZero(l), TV.Create(1f), e), TV.Add(TV.Create(1f), e));
            var r = TV.Subtract(p, x);
            d = TV.Multiply(TV.Multiply(TV.Multiply(TV.Create(2f), r), p), TV.Subtract(TV.Create(1f), p));
            return TV.Multiply(r, r);
        }
    }

    /// <summary>The loss and ∂/∂logit of single pixels through the one-lane path (what every path computes, element by element).</summary>
    internal static float PixelLoss(Likelihood likelihood, float logit, float target, out float dLoss)
    {
        var (l, x) = (V1.Create(logit), V1.Create(target));
        V1 loss = likelihood == Likelihood.Bernoulli ? BernoulliOp.Loss(l, x, out var d) : GaussianOp.Loss(l, x, out d);
        float value = 0, derivative = 0;
        V1.Store(loss, ref value, 0);
        V1.Store(d, ref derivative, 0);
        dLoss = derivative;
        return value;
    }

    /// <summary>The same through width <typeparamref name="TV"/>, for tests that compare the paths lane by lane.</summary>
    internal static void PixelLosses<TV>(Likelihood likelihood, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> losses, Span<float> derivatives)
        where TV : struct, ISimdVector<TV>
    {
        ref float ls = ref MemoryMarshal.GetReference(logits);
        ref float ts = ref MemoryMarshal.GetReference(targets);
        for (int i = 0; i + TV.Count <= logits.Length; i += TV.Count)
        {
            var (l, x) = (TV.Load(ref ls, (nuint)i), TV.Load(ref ts, (nuint)i));
            TV loss = likelihood == Likelihood.Bernoulli ? BernoulliOp.Loss(l, x, out var d) : GaussianOp.Loss(l, x, out d);
            TV.Store(loss, ref MemoryMarshal.GetReference(losses), (nuint)i);
            TV.Store(d, ref MemoryMarshal.GetReference(derivatives), (nuint)i);
        }
    }
}
