using Vae.Simd.Layers;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>
/// A variational autoencoder: the encoder head outputs [μ | log σ²] (two PyTorch-style layers,
/// <c>encoder_mu</c> and <c>encoder_logvar</c>, declared so that they run as one product),
/// z = μ + σ ⊙ ε, and the loss adds KL(N(μ, σ²) ‖ N(0, I)).
/// </summary>
internal sealed class VariationalNetwork : LatentNetwork
{
    /// <summary>A new VAE initialised from <paramref name="seed"/>; <see cref="ModelConfig.Kind"/> is ignored.</summary>
    public VariationalNetwork(ModelConfig config, ulong seed = 1) : base(config with { Kind = ModelKind.Variational }, seed) { }

    /// <inheritdoc />
    public override bool NeedsNoise => true;

    private protected override Linear DeclareHead(ParameterLayout layout, int inputSize)
    {
        int latent = Config.Latent;
        // Weights back to back, then biases back to back: together they are one [2L, in] layer.
        var muWeight = layout.Add("encoder_mu.weight", latent, inputSize);
        layout.Add("encoder_logvar.weight", latent, inputSize);
        var muBias = layout.Add("encoder_mu.bias", latent);
        layout.Add("encoder_logvar.bias", latent);
        return new Linear(muWeight with { Name = "encoder_heads.weight", Shape = [2 * latent, inputSize] },
                          muBias with { Name = "encoder_heads.bias", Shape = [2 * latent] });
    }

    private protected override double BottleneckForward(ReadOnlyMatrixSpan head, ReadOnlyMatrixSpan epsilon, MatrixSpan z, Span<double> rowKl)
    {
        ReadOnlyMatrixSpan mu = head.SliceColumns(0, Latent), logVar = head.SliceColumns(Latent, Latent);
        Reparameterization.Forward(mu, logVar, epsilon, z);
        return GaussianKl.Forward(mu, logVar, rowKl);
    }

    private protected override void BottleneckBackward(ReadOnlyMatrixSpan head, ReadOnlyMatrixSpan z, ReadOnlyMatrixSpan dz, float klWeight, MatrixSpan dHead)
    {
        ReadOnlyMatrixSpan mu = head.SliceColumns(0, Latent), logVar = head.SliceColumns(Latent, Latent);
        MatrixSpan dMu = dHead.SliceColumns(0, Latent), dLogVar = dHead.SliceColumns(Latent, Latent);
        Reparameterization.Backward(mu, z, dz, dMu, dLogVar);
        GaussianKl.Backward(mu, logVar, klWeight, dMu, dLogVar);
    }

    /// <summary>μ and log σ² of q(z|x) for each image. Any number of rows.</summary>
    public void Encode(ReadOnlyMatrixSpan x, MatrixSpan mu, MatrixSpan logVar, NetworkWorkspace workspace)
    {
        using var lease = Acquire(workspace);
        CheckImages(x, nameof(x));
        Shape.Check(mu, x.Rows, Latent, nameof(mu));
        Shape.Check(logVar, x.Rows, Latent, nameof(logVar));
        workspace.Blocks.EncodeHead(x, mu, logVar);
    }
}
