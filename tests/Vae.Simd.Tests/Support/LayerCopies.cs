using Vae.Simd.Common;
using Vae.Simd.Layers;

namespace Vae.Simd.Tests.Support;

/// <summary>One linear layer with PyTorch's initialization, its float32 Wᵀ copy, and a bfloat16 or int8 copy made from it:
/// what the reduced-precision layer tests start from.</summary>
internal static class LayerCopies
{
    public static (Linear Layer, float[] Parameters, TransposedWeights Exact, TransposedWeights Reduced) Make(int inputs, int outputs, InferencePrecision precision)
    {
        var layout = new ParameterLayout();
        var layer = new Linear(layout, "l", inputs, outputs);
        var parameters = new float[layout.Count];
        layer.Initialize(parameters, new SeededRandom(3));
        var exact = new TransposedWeights([layer]);
        exact.Refresh(parameters, null);
        var reduced = new TransposedWeights([layer], precision);
        reduced.RoundedFrom(exact);
        return (layer, parameters, exact, reduced);
    }
}
