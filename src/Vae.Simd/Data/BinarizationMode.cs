namespace Vae.Simd;

/// <summary>How grey pixels become the targets of a Bernoulli likelihood.</summary>
public enum BinarizationMode
{
    /// <summary>Keep pixel / 255 as a soft target.</summary>
    None,
    /// <summary>Draw each pixel once, as Bernoulli(pixel), before training (seeded).</summary>
    Static,
    /// <summary>Redraw every pixel every epoch (seeded): the usual data augmentation for binarized MNIST.</summary>
    Dynamic,
}
