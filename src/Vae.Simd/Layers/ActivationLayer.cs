using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// An elementwise nonlinearity over a batch. Forward runs in place; backward needs only the forward's output. Both go row by
/// row, never over the batch as one span: a vectorized tanh or sigmoid may take another code path for the elements of a
/// ragged tail, and which elements those are must depend on the row's width alone, not on how many rows share the call
/// (so a row's result is the same in a batch of 1 or 1000, and in a shard or in the whole batch).
/// </summary>
internal static class ActivationLayer
{
    /// <summary>y ← f(y), in place.</summary>
    public static void Forward(ActivationKind kind, MatrixSpan y)
    {
        for (int r = 0; r < y.Rows; r++) Activations.Forward(kind, y[r], y[r]);
    }

    /// <summary>d ← d ⊙ f′, in place, with f′ taken from the forward output <paramref name="y"/>.</summary>
    public static void Backward(ActivationKind kind, ReadOnlyMatrixSpan y, MatrixSpan d)
    {
        Shape.CheckSame(y, d, nameof(d));
        for (int r = 0; r < y.Rows; r++) Activations.Backward(kind, y[r], d[r], d[r]);
    }
}
