using FsCheck;
using FsCheck.Fluent;

namespace Vae.Simd.Testing;

/// <summary>
/// FsCheck generators of what a Vae.Simd model can be: architectures (any depth, widths that hit the edges of 4-, 8- and
/// 16-wide vectors), activations, likelihoods, loss weights (0 included, never a loss that is identically 0) and batch sizes.
/// </summary>
public static class VaeGenerators
{
    private static readonly int[] EdgeSizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33];

    /// <summary>Widths up to <paramref name="max"/>: half of the time one just below, at or above a vector width, else any.</summary>
    public static Gen<int> Width(int max) => Gen.OneOf(Gen.Elements(EdgeSizes.Where(s => s <= max).ToArray()), Gen.Choose(1, max));

    /// <summary>Every activation.</summary>
    public static Gen<ActivationKind> Activations => Gen.Elements(Enum.GetValues<ActivationKind>());

    /// <summary>Both likelihoods.</summary>
    public static Gen<Likelihood> Likelihoods => Gen.Elements(Enum.GetValues<Likelihood>());

    /// <summary>VAE or autoencoder.</summary>
    public static Gen<ModelKind> Kinds => Gen.Elements(Enum.GetValues<ModelKind>());

    /// <summary>A weight: 0, 1, or anything up to 10.</summary>
    public static Gen<float> Weight => Gen.Frequency((1, Gen.Constant(0f)), (1, Gen.Constant(1f)), (2, Gen.Choose(1, 10000).Select(v => v / 1000f)));

    /// <summary>Loss weights for a model of <paramref name="kind"/>: either may be 0, but never so that the loss is identically 0.</summary>
    public static Gen<LossWeights> Weights(ModelKind kind)
        => from reconstruction in Weight
           from kl in Weight
           select reconstruction == 0 && (kl == 0 || kind == ModelKind.Autoencoder) ? new LossWeights(1, kl) : new LossWeights(reconstruction, kl);

    /// <summary>Architectures: 0 to <paramref name="maxDepth"/> hidden layers of width up to <paramref name="maxWidth"/>, inputs up to
    /// <paramref name="maxInput"/> and latents up to <paramref name="maxLatent"/>, every activation and likelihood, VAE or AE.</summary>
    public static Gen<ModelConfig> Configs(int maxInput = 20, int maxDepth = 3, int maxWidth = 40, int maxLatent = 8)
        => from kind in Kinds
           from input in Width(maxInput)
           from depth in Gen.Choose(0, maxDepth)
           from hidden in Gen.ArrayOf(Width(maxWidth), depth)
           from latent in Gen.Choose(1, maxLatent)
           from activation in Activations
           from likelihood in Likelihoods
           select new ModelConfig { Kind = kind, InputSize = input, Hidden = hidden, Latent = latent, Activation = activation, Likelihood = likelihood };

    /// <summary>Gradient-check cases: a configuration from <paramref name="configs"/> (default <see cref="Configs"/>), its loss weights,
    /// 1 to <paramref name="maxRows"/> rows and a seed for the initialisation, the rows and the noise.</summary>
    public static Gen<GradientCase> Cases(Gen<ModelConfig>? configs = null, int maxRows = 6)
        => from config in configs ?? Configs()
           from weights in Weights(config.Kind)
           from rows in Gen.Choose(1, maxRows)
           from seed in Gen.Choose(0, int.MaxValue)
           select new GradientCase(config, weights, rows, (ulong)seed);
}
