using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>An elementwise nonlinearity over a batch. Forward runs in place; backward needs only the forward's output.</summary>
internal static class ActivationLayer
{
    /// <summary>y ← f(y), in place.</summary>
    public static void Forward(ActivationKind kind, MatrixSpan y)
    {
        if (y.IsDense) { Activations.Forward(kind, y.Data, y.Data); return; }
        for (int r = 0; r < y.Rows; r++) Activations.Forward(kind, y[r], y[r]);
    }

    /// <summary>d ← d ⊙ f′, in place, with f′ taken from the forward output <paramref name="y"/>.</summary>
    public static void Backward(ActivationKind kind, ReadOnlyMatrixSpan y, MatrixSpan d)
    {
        Shape.CheckSame(y, d, nameof(d));
        if (y.IsDense && d.IsDense) { Activations.Backward(kind, y.Data, d.Data, d.Data); return; }
        for (int r = 0; r < y.Rows; r++) Activations.Backward(kind, y[r], d[r], d[r]);
    }
}
