namespace Vae.Simd.Layers;

/// <summary>Whether a backward pass adds its parameter gradients to the buffer or writes them.</summary>
internal enum GradientUpdate
{
    /// <summary>gradients += ∂L/∂θ (llm.c style; clear the buffer first for a fresh gradient).</summary>
    Accumulate,
    /// <summary>gradients = ∂L/∂θ: every parameter's gradient is written exactly once, so no clearing is needed.</summary>
    Overwrite,
}
