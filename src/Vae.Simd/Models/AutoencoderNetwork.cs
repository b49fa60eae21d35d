using Vae.Simd.Layers;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>A deterministic autoencoder: the head's output is the code z itself; there is no KL term.</summary>
internal sealed class AutoencoderNetwork : LatentNetwork
{
    /// <summary>A new autoencoder initialised from <paramref name="seed"/>; <see cref="ModelConfig.Kind"/> is ignored.</summary>
    public AutoencoderNetwork(ModelConfig config, ulong seed = 1) : base(config with { Kind = ModelKind.Autoencoder }, seed) { }

    /// <inheritdoc />
    public override bool NeedsNoise => false;

    private protected override Linear DeclareHead(ParameterLayout layout, int inputSize)
        => new(layout, "encoder_code", inputSize, Config.Latent);

    private protected override double BottleneckForward(ReadOnlyMatrixSpan head, ReadOnlyMatrixSpan epsilon, MatrixSpan z, Span<double> rowKl)
    {
        head.CopyTo(z);
        rowKl.Clear();
        return 0;
    }

    private protected override void BottleneckBackward(ReadOnlyMatrixSpan head, ReadOnlyMatrixSpan z, ReadOnlyMatrixSpan dz, float klWeight, MatrixSpan dHead)
        => dz.CopyTo(dHead);
}
