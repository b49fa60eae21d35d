using Vae.Simd.Models;

namespace Vae.Simd;

/// <summary>
/// A plain (deterministic) autoencoder: the encoder gives one code per row, the decoder reconstructs from it, and the loss is
/// the reconstruction term alone. The lecture's baseline: it compresses well, but its code space is not made to be sampled.
/// </summary>
public sealed class Autoencoder : LatentModel
{
    /// <summary>A new autoencoder of architecture <paramref name="config"/>, initialised as PyTorch does from <paramref name="seed"/>.
    /// <see cref="ModelConfig.Kind"/> is set to <see cref="ModelKind.Autoencoder"/>.</summary>
    public Autoencoder(ModelConfig? config = null, ulong seed = 1)
        : base(new AutoencoderNetwork((config ?? new ModelConfig()) with { Kind = ModelKind.Autoencoder }, seed)) { }

    internal Autoencoder(AutoencoderNetwork network) : base(network) { }

    /// <summary>Reads an autoencoder written by <see cref="LatentModel.Save"/>; a file that holds a VAE is refused by name.</summary>
    public static new Autoencoder Load(string path)
        => LatentModel.Load(path) switch
        {
            Autoencoder ae => ae,
            var other => throw VariationalAutoencoder.Mismatch(path, other, "an autoencoder", "VariationalAutoencoder.Load or LatentModel.Load"),
        };
}
