using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Vae.Simd.Training;

/// <summary>
/// Adam (Kingma &amp; Ba) exactly as PyTorch computes it, defaults β = (0.9, 0.999), ε = 1e-8:
/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
/// One vectorized pass over each chunk.
/// </summary>
internal sealed class Adam : Optimizer
{
    private readonly float[] _m, _v;
    private float _stepSize, _inverseRootCorrection2;

    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>Adam state for <paramref name="count"/> parameters.</summary>
    public Adam(int count, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : base(count, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1)");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive");
        Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon;
        _m = new float[count];
        _v = new float[count];
    }

    internal override IReadOnlyList<(string Name, float[] Values)> State => [("optimizer.adam.m", _m), ("optimizer.adam.v", _v)];

    /// <inheritdoc />
    public override void BeginStep()
    {
        base.BeginStep();
        double correction1 = 1 - Math.Pow(Beta1, Steps), correction2 = 1 - Math.Pow(Beta2, Steps);
        _stepSize = (float)(LearningRate / correction1);
        _inverseRootCorrection2 = (float)(1 / Math.Sqrt(correction2));
    }

    /// <inheritdoc />
    public override void Update(int offset, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        CheckChunk(offset, parameters.Length, gradients.Length);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref _m[offset];
        ref float v = ref _v[offset];
        int n = parameters.Length, i = 0;
        float b1 = Beta1, b2 = Beta2, c1 = 1 - b1, c2 = 1 - b2, step = _stepSize, rc2 = _inverseRootCorrection2, eps = Epsilon;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i);
                var mi = Vector512.LoadUnsafe(ref m, (nuint)i) * b1 + gi * c1;
                var vi = Vector512.LoadUnsafe(ref v, (nuint)i) * b2 + gi * gi * c2;
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                var denominator = Vector512.Sqrt(vi) * rc2 + Vector512.Create(eps);
                (Vector512.LoadUnsafe(ref p, (nuint)i) - mi * step / denominator).StoreUnsafe(ref p, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i);
                var mi = Vector256.LoadUnsafe(ref m, (nuint)i) * b1 + gi * c1;
                var vi = Vector256.LoadUnsafe(ref v, (nuint)i) * b2 + gi * gi * c2;
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                var denominator = Vector256.Sqrt(vi) * rc2 + Vector256.Create(eps);
                (Vector256.LoadUnsafe(ref p, (nuint)i) - mi * step / denominator).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            float mi = Unsafe.Add(ref m, i) = Unsafe.Add(ref m, i) * b1 + gi * c1;
            float vi = Unsafe.Add(ref v, i) = Unsafe.Add(ref v, i) * b2 + gi * gi * c2;
            Unsafe.Add(ref p, i) -= mi * step / (MathF.Sqrt(vi) * rc2 + eps);
        }
    }
}
