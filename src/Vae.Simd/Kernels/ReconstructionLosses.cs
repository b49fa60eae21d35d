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
        => Evaluate(likelihood, logits, targets, default, gradient, default, gradientScale, rowLoss);

    /// <summary>
    /// As above, for every likelihood. <see cref="Likelihood.GaussianLearnedVariance"/> also reads the per-feature
    /// <paramref name="logVariance"/> and, with a gradient, writes each row's contribution to ∂loss/∂logVariance (times the
    /// scale) into <paramref name="logVarianceGradient"/>: the parameter's gradient is its column sums, as a bias's is.
    /// </summary>
    public static double Evaluate(Likelihood likelihood, ReadOnlyMatrixSpan logits, ReadOnlyMatrixSpan targets, ReadOnlySpan<float> logVariance,
        MatrixSpan gradient, MatrixSpan logVarianceGradient, float gradientScale, Span<double> rowLoss)
    {
        Shape.CheckSame(logits, targets, nameof(targets));
        bool withGradient = gradient.Rows != 0;
        if (withGradient) Shape.CheckSame(logits, gradient, nameof(gradient));
        Shape.CheckLength(rowLoss.Length, logits.Rows, nameof(rowLoss));
        if (!float.IsFinite(gradientScale)) throw new ArgumentOutOfRangeException(nameof(gradientScale), gradientScale, "must be finite");
        bool learned = likelihood == Likelihood.GaussianLearnedVariance;
        if (learned)
        {
            Shape.CheckLength(logVariance.Length, logits.Columns, nameof(logVariance));
            if (withGradient) Shape.CheckSame(logits, logVarianceGradient, nameof(logVarianceGradient));
        }
        // The normalising constant ½ ln 2π of every feature, added per row in double rather than per element in float.
        double rowConstant = learned ? 0.5 * Math.Log(2 * Math.PI) * logits.Columns : 0;
        double total = 0;
        for (int r = 0; r < logits.Rows; r++)
        {
            Span<float> g = withGradient ? gradient[r] : default;
            double loss = likelihood switch
            {
                Likelihood.Bernoulli => Row<BernoulliOp>(logits[r], targets[r], g, gradientScale),
                Likelihood.Gaussian => Row<GaussianOp>(logits[r], targets[r], g, gradientScale),
                Likelihood.GaussianLearnedVariance
                    => LearnedVarianceRow(logits[r], targets[r], logVariance, g, withGradient ? logVarianceGradient[r] : default, gradientScale) + rowConstant,
                _ => throw new ArgumentOutOfRangeException(nameof(likelihood), likelihood, "unknown likelihood"),
            };
            rowLoss[r] = loss;
            total += loss;
        }
        return total;
    }

    /// <summary>What the decoder predicts from its logits: probabilities (Bernoulli) or means (Gaussian), sigmoid(logits); for
    /// the learned-variance Gaussian the output is the mean itself (identity).</summary>
    public static void Mean(Likelihood likelihood, ReadOnlySpan<float> logits, Span<float> mean)
    {
        if (likelihood == Likelihood.GaussianLearnedVariance) logits.CopyTo(mean);
        else Activations.Forward(ActivationKind.Sigmoid, logits, mean);
    }

    /// <summary>The smallest log-variance the learned-variance Gaussian uses (σ ≈ 0.0067 of a standardized feature's spread):
    /// a feature the decoder fits exactly would otherwise drive its variance, and the loss, to −∞. Below it the parameter has
    /// no effect, so its gradient is 0; training projects the parameter back onto the floor after every step
    /// (<see cref="Layers.Network.VectorMinimum"/>), where its gradient is the one-sided derivative and it can rise again.</summary>
    public const float MinLogVariance = -10f;

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

    // The learned-variance Gaussian streams a third input (the per-feature log-variance) and writes a second gradient.
    [MethodImpl(HotPath.Kernel)]
    private static float LearnedVarianceRow(ReadOnlySpan<float> means, ReadOnlySpan<float> targets, ReadOnlySpan<float> logVariance,
        Span<float> gradient, Span<float> logVarianceGradient, float scale)
    {
        ref float ms = ref MemoryMarshal.GetReference(means);
        ref float ts = ref MemoryMarshal.GetReference(targets);
        ref float vs = ref MemoryMarshal.GetReference(logVariance);
        ref float gs = ref MemoryMarshal.GetReference(gradient);
        ref float hs = ref MemoryMarshal.GetReference(logVarianceGradient);
        bool withGradient = !gradient.IsEmpty;
        int n = means.Length, i = 0;
        float sum = 0f;
        sum += LearnedVarianceBody<V512>(ref ms, ref ts, ref vs, ref gs, ref hs, withGradient, scale, n, ref i);
        sum += LearnedVarianceBody<V256>(ref ms, ref ts, ref vs, ref gs, ref hs, withGradient, scale, n, ref i);
        sum += LearnedVarianceBody<V128>(ref ms, ref ts, ref vs, ref gs, ref hs, withGradient, scale, n, ref i);
        sum += LearnedVarianceBody<V1>(ref ms, ref ts, ref vs, ref gs, ref hs, withGradient, scale, n, ref i);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LearnedVarianceBody<TV>(ref float ms, ref float ts, ref float vs, ref float gs, ref float hs, bool withGradient, float scale, int n, ref int i)
        where TV : struct, ISimdVector<TV>
    {
        if (!TV.IsAccelerated || n - i < TV.Count) return 0f;
        var acc = TV.Create(0f);
        var s = TV.Create(scale);
        for (; i <= n - TV.Count; i += TV.Count)
        {
            acc = TV.Add(acc, LearnedVarianceOp.Loss(TV.Load(ref ms, (nuint)i), TV.Load(ref ts, (nuint)i), TV.Load(ref vs, (nuint)i), out var dMean, out var dLogVariance));
            if (!withGradient) continue;
            TV.Store(TV.Multiply(dMean, s), ref gs, (nuint)i);
            TV.Store(TV.Multiply(dLogVariance, s), ref hs, (nuint)i);
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

    // −log N(x; m, e^v) without its ½ ln 2π: ½ (v + (x − m)² e^−v), with v = max(logVariance, MinLogVariance).
    // ∂/∂m = (m − x) e^−v; ∂/∂logVariance = ½ (1 − (x − m)² e^−v) at or above the floor (the derivative from the right at
    // it, so that a parameter the optimizer holds at the floor can rise again), 0 below it.
    // e^−v comes from e^−|v| (ExpNonPositive's range), inverted when v < 0.
    private static class LearnedVarianceOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Loss<TV>(TV m, TV x, TV logVariance, out TV dMean, out TV dLogVariance) where TV : struct, ISimdVector<TV>
        {
            var floor = TV.Create(MinLogVariance);
            var v = TV.Max(logVariance, floor);
            var e = FastMath.ExpNonPositive(TV.Subtract(TV.Create(0f), TV.Abs(v)));
            var precision = TV.Select(TV.GreaterThanOrEqualZero(v), e, TV.Divide(TV.Create(1f), e));
            var r = TV.Subtract(m, x);
            dMean = TV.Multiply(r, precision);
            var q = TV.Multiply(r, dMean);
            var half = TV.Create(0.5f);
            dLogVariance = TV.Select(TV.GreaterThanOrEqualZero(TV.Subtract(logVariance, floor)), TV.Multiply(half, TV.Subtract(TV.Create(1f), q)), TV.Create(0f));
            return TV.Multiply(half, TV.Add(v, q));
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

    /// <summary>One element of the learned-variance Gaussian through the one-lane path (without the ½ ln 2π).</summary>
    internal static float LearnedVariancePixelLoss(float mean, float target, float logVariance, out float dMean, out float dLogVariance)
    {
        V1 loss = LearnedVarianceOp.Loss(V1.Create(mean), V1.Create(target), V1.Create(logVariance), out var dm, out var dv);
        float value = 0, a = 0, b = 0;
        V1.Store(loss, ref value, 0);
        V1.Store(dm, ref a, 0);
        V1.Store(dv, ref b, 0);
        (dMean, dLogVariance) = (a, b);
        return value;
    }

    /// <summary>The same through width <typeparamref name="TV"/>.</summary>
    internal static void LearnedVariancePixelLosses<TV>(ReadOnlySpan<float> means, ReadOnlySpan<float> targets, ReadOnlySpan<float> logVariance,
        Span<float> losses, Span<float> dMeans, Span<float> dLogVariances) where TV : struct, ISimdVector<TV>
    {
        for (int i = 0; i + TV.Count <= means.Length; i += TV.Count)
        {
            TV loss = LearnedVarianceOp.Loss(TV.Load(ref MemoryMarshal.GetReference(means), (nuint)i), TV.Load(ref MemoryMarshal.GetReference(targets), (nuint)i),
                TV.Load(ref MemoryMarshal.GetReference(logVariance), (nuint)i), out var dm, out var dv);
            TV.Store(loss, ref MemoryMarshal.GetReference(losses), (nuint)i);
            TV.Store(dm, ref MemoryMarshal.GetReference(dMeans), (nuint)i);
            TV.Store(dv, ref MemoryMarshal.GetReference(dLogVariances), (nuint)i);
        }
    }
}
