using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vae.Simd.Common;
using Vae.Simd.Kernels;

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

    /// <summary>v is a mean of squares: a negative one would make the step's square root NaN.</summary>
    private protected override bool Admits(string name, float value) => name != "optimizer.adam.v" || value >= 0;

    /// <inheritdoc />
    public override void BeginStep()
    {
        base.BeginStep();
        double correction1 = 1 - Math.Pow(Beta1, Steps), correction2 = 1 - Math.Pow(Beta2, Steps);
        _stepSize = (float)(LearningRate / correction1);
        _inverseRootCorrection2 = (float)(1 / Math.Sqrt(correction2));
    }

    /// <inheritdoc />
    [MethodImpl(HotPath.Kernel)]
    public override void Update(int offset, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        CheckChunk(offset, parameters.Length, gradients.Length);
        var s = new Scalars(Beta1, Beta2, _stepSize, _inverseRootCorrection2, Epsilon);
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref _m[offset];
        ref float v = ref _v[offset];
        int n = parameters.Length, i = 0;
        // Every width, widest first, then the one-lane tail: the same operations on every element, so chunking never matters.
        i = Body<V512>(ref p, ref g, ref m, ref v, n, i, s);
        i = Body<V256>(ref p, ref g, ref m, ref v, n, i, s);
        i = Body<V128>(ref p, ref g, ref m, ref v, n, i, s);
        Body<V1>(ref p, ref g, ref m, ref v, n, i, s);
    }

    private readonly record struct Scalars(float Beta1, float Beta2, float Step, float InverseRootCorrection2, float Epsilon);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Body<TV>(ref float p, ref float g, ref float m, ref float v, int n, int i, Scalars s) where TV : struct, ISimdVector<TV>
    {
        if (!TV.IsAccelerated) return i;
        TV b1 = TV.Create(s.Beta1), b2 = TV.Create(s.Beta2), c1 = TV.Create(1 - s.Beta1), c2 = TV.Create(1 - s.Beta2);
        TV step = TV.Create(s.Step), rc2 = TV.Create(s.InverseRootCorrection2), eps = TV.Create(s.Epsilon);
        for (; i <= n - TV.Count; i += TV.Count)
        {
            var gi = TV.Load(ref g, (nuint)i);
            var mi = TV.Add(TV.Multiply(TV.Load(ref m, (nuint)i), b1), TV.Multiply(gi, c1));
            var vi = TV.Add(TV.Multiply(TV.Load(ref v, (nuint)i), b2), TV.Multiply(TV.Multiply(gi, gi), c2));
            TV.Store(mi, ref m, (nuint)i);
            TV.Store(vi, ref v, (nuint)i);
            var denominator = TV.Add(TV.Multiply(TV.Sqrt(vi), rc2), eps);
            TV.Store(TV.Subtract(TV.Load(ref p, (nuint)i), TV.Divide(TV.Multiply(mi, step), denominator)), ref p, (nuint)i);
        }
        return i;
    }
}
