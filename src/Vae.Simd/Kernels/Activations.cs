using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Vae.Simd.Kernels;

/// <summary>
/// Forward and backward of each activation, side by side. Every backward is written in terms
/// of the forward's <em>output</em> y, so the forward may run in place and the pre-activation
/// need not be kept. Destinations may be the source span itself (in place).
/// </summary>
internal static class Activations
{
    /// <summary>Slope of <see cref="ActivationKind.LeakyReLU"/> for negative inputs.</summary>
    public const float LeakySlope = 0.01f;

    /// <summary>y = f(x).</summary>
    public static void Forward(ActivationKind kind, ReadOnlySpan<float> x, Span<float> y)
    {
        Elementwise.CheckDestination(x, y, nameof(x), nameof(y));
        switch (kind)
        {
            case ActivationKind.ReLU: Elementwise.Map<ReluForward>(x, y); break;
            case ActivationKind.LeakyReLU: Elementwise.Map<LeakyReluForward>(x, y); break;
            case ActivationKind.Tanh: TensorPrimitives.Tanh(x, y); break;
            case ActivationKind.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case ActivationKind.Identity: x.CopyTo(y); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation");
        }
    }

    /// <summary>dx = dy ⊙ f′, with f′ computed from the forward output <paramref name="y"/>.</summary>
    public static void Backward(ActivationKind kind, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dy.Length != y.Length)
            throw new ArgumentException($"dy has length {dy.Length} but y has {y.Length}", nameof(dy));
        Elementwise.CheckDestination(dy, dx, nameof(dy), nameof(dx));
        switch (kind)
        {
            case ActivationKind.ReLU: Elementwise.Map<ReluBackward>(y, dy, dx); break;
            case ActivationKind.LeakyReLU: Elementwise.Map<LeakyReluBackward>(y, dy, dx); break;
            case ActivationKind.Tanh: Elementwise.Map<TanhBackward>(y, dy, dx); break;
            case ActivationKind.Sigmoid: Elementwise.Map<SigmoidBackward>(y, dy, dx); break;
            case ActivationKind.Identity: dy.CopyTo(dx); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown activation");
        }
    }

    private readonly struct ReluForward : IUnaryOperator
    {
        public static float Invoke(float x) => x > 0f ? x : 0f;
        public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
        public static Vector512<float> Invoke(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
    }

    // y > 0 exactly when x > 0, so the output decides the branch.
    private readonly struct ReluBackward : IBinaryOperator
    {
        public static float Invoke(float y, float dy) => y > 0f ? dy : 0f;
        public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => Vector256.GreaterThan(y, Vector256<float>.Zero) & dy;
        public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => Vector512.GreaterThan(y, Vector512<float>.Zero) & dy;
    }

    private readonly struct LeakyReluForward : IUnaryOperator
    {
        public static float Invoke(float x) => x > 0f ? x : LeakySlope * x;
        public static Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * LeakySlope);
        public static Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * LeakySlope);
    }

    private readonly struct LeakyReluBackward : IBinaryOperator
    {
        public static float Invoke(float y, float dy) => y > 0f ? dy : LeakySlope * dy;
        public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), dy, dy * LeakySlope);
        public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), dy, dy * LeakySlope);
    }

    // tanh′ = 1 − y².
    private readonly struct TanhBackward : IBinaryOperator
    {
        public static float Invoke(float y, float dy) => dy * (1f - y * y);
        public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => dy * (Vector256<float>.One - y * y);
        public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => dy * (Vector512<float>.One - y * y);
    }

    // σ′ = y (1 − y).
    private readonly struct SigmoidBackward : IBinaryOperator
    {
        public static float Invoke(float y, float dy) => dy * y * (1f - y);
        public static Vector256<float> Invoke(Vector256<float> y, Vector256<float> dy) => dy * y * (Vector256<float>.One - y);
        public static Vector512<float> Invoke(Vector512<float> y, Vector512<float> dy) => dy * y * (Vector512<float>.One - y);
    }
}
