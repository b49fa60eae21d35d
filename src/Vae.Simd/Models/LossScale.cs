namespace Vae.Simd.Models;

/// <summary>The engine's copy of the two loss weights: a struct, so that the trainer can change the KL weight every
/// step (warm-up) without allocating. Public code passes <see cref="LossWeights"/>, which validates them.</summary>
internal readonly record struct LossScale(float Reconstruction, float Kl)
{
    public static implicit operator LossScale(LossWeights weights) => weights.Scale;
}
