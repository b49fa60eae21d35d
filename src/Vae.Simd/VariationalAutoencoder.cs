using Vae.Simd.Evaluation;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd;

/// <summary>
/// A variational autoencoder (Kingma &amp; Welling): the encoder gives μ and log σ² of q(z|x) = N(μ, σ²), training draws
/// z = μ + σ ⊙ ε (the reparameterization trick) and minimises −log p(x|z) + KL(q(z|x) ‖ N(0, I)), each with its weight.
/// </summary>
public sealed class VariationalAutoencoder : LatentModel
{
    /// <summary>A new VAE of architecture <paramref name="config"/> (default: the PyTorch example's, 784-400-(20, 20)),
    /// initialised as PyTorch does from <paramref name="seed"/>. <see cref="ModelConfig.Kind"/> is set to
    /// <see cref="ModelKind.Variational"/>.</summary>
    public VariationalAutoencoder(ModelConfig? config = null, ulong seed = 1)
        : base(new VariationalNetwork((config ?? new ModelConfig()) with { Kind = ModelKind.Variational }, seed)) { }

    internal VariationalAutoencoder(VariationalNetwork network) : base(network) { }

    private new VariationalNetwork Network => (VariationalNetwork)base.Network;

    /// <summary>μ and log σ² of q(z|x) for each row: two arrays of rows × <see cref="LatentModel.Latent"/> values.</summary>
    public (float[] Mean, float[] LogVariance) Encode(ReadOnlySpan<float> x)
    {
        int rows = RowsOf(x, InputSize, nameof(x));
        var mean = Output(rows, Latent, nameof(x));
        var logVariance = Output(rows, Latent, nameof(x));
        Encode(x, mean, logVariance);
        return (mean, logVariance);
    }

    /// <summary>As <see cref="Encode(ReadOnlySpan{float})"/>, into the caller's spans.</summary>
    public void Encode(ReadOnlySpan<float> x, Span<float> mean, Span<float> logVariance)
    {
        int rows = RowsOf(x, InputSize, nameof(x));
        CheckOutput(mean.Length, rows, Latent, nameof(mean));
        CheckOutput(logVariance.Length, rows, Latent, nameof(logVariance));
        using var lease = EnterInference();
        var ws = RentWorkspace();
        try { Network.Encode(new ReadOnlyMatrixSpan(x, rows, InputSize), new MatrixSpan(mean, rows, Latent), new MatrixSpan(logVariance, rows, Latent), ws); }
        finally { ReturnWorkspace(ws); }
    }

    /// <summary>
    /// The importance-weighted estimate of log p(x) for each row (Burda et al.): log (1/K) Σₖ p(x|zₖ) p(zₖ) / q(zₖ|x) with
    /// K = <paramref name="samples"/> draws zₖ ~ q(z|x), in nats; never below the ELBO in expectation, and tighter as K grows.
    /// Needs a Bernoulli likelihood and x in [0, 1] (binarize grey levels first for a true log-likelihood: <see cref="Dataset.Binarized"/>),
    /// or the learned-variance Gaussian (x in the network's units: the density is of the scaled data).
    /// Draw k of row i is keyed by (seed, i, k), so the result does not depend on <paramref name="threads"/> (0 = one per processor).
    /// </summary>
    public double[] ImportanceWeightedLogLikelihood(ReadOnlySpan<float> x, int samples = 5000, ulong seed = 1, int threads = 0)
    {
        int rows = RowsOf(x, InputSize, nameof(x));
        if (!ImportanceWeightedLikelihood.HasDensity(Config.Likelihood))
            throw new InvalidOperationException(ImportanceWeightedLikelihood.NoDensityMessage(Config.Likelihood));
        if (samples <= 0 || samples > ImportanceWeightedLikelihood.MaxSamples)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"the number of importance samples must be 1 to {ImportanceWeightedLikelihood.MaxSamples:N0}");
        if (threads < 0 || threads > TrainingOptions.MaxThreads)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"the thread count must be 0 (one per processor) to {TrainingOptions.MaxThreads}");
        var input = new ReadOnlyMatrixSpan(x, rows, InputSize);
        CheckTargets(input, nameof(x));
        using var lease = EnterInference();
        return ImportanceWeightedLikelihood.Estimate(Network, input, samples, seed, threads == 0 ? Environment.ProcessorCount : threads);
    }

    /// <summary>Reads a VAE written by <see cref="LatentModel.Save"/>; a file that holds an autoencoder is refused by name.</summary>
    public static new VariationalAutoencoder Load(string path)
        => LatentModel.Load(path) switch
        {
            VariationalAutoencoder vae => vae,
            var other => throw Mismatch(path, other, "a variational autoencoder", "Autoencoder.Load or LatentModel.Load"),
        };

    internal static CheckpointException Mismatch(string path, LatentModel loaded, string expected, string instead)
    {
        string found = loaded is Autoencoder ? "an autoencoder" : "a variational autoencoder";
        loaded.Dispose();
        return new CheckpointException($"{path}: holds {found} ({loaded.Config}), not {expected}; load it with {instead}");
    }
}
