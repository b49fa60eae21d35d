using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Vae.Simd.Common;

namespace Vae.Simd.Training;

/// <summary>SGD with momentum as PyTorch computes it: b ← μ·b + g; p ← p − lr·b (plain SGD when μ = 0).</summary>
internal sealed class Sgd : Optimizer
{
    private readonly float[] _velocity;

    /// <summary>Momentum μ.</summary>
    public float Momentum { get; }

    /// <summary>SGD state for <paramref name="count"/> parameters.</summary>
    public Sgd(int count, float learningRate, float momentum = 0.9f) : base(count, learningRate)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1)");
        Momentum = momentum;
        _velocity = new float[count];
    }

    internal override IReadOnlyList<(string Name, float[] Values)> State => [("optimizer.sgd.velocity", _velocity)];

    /// <inheritdoc />
    [MethodImpl(HotPath.Kernel)]
    public override void Update(int offset, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        CheckChunk(offset, parameters.Length, gradients.Length);
        Span<float> b = _velocity.AsSpan(offset, parameters.Length);
        // PyTorch starts the buffer at the first gradient; μ·0 + g is the same thing.
        TensorPrimitives.MultiplyAddEstimate(b, Momentum, gradients, b);
        TensorPrimitives.MultiplyAddEstimate(b, -LearningRate, parameters, parameters);
    }
}
