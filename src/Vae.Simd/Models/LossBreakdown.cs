namespace Vae.Simd;

/// <summary>Loss terms summed over a set of rows (divide by <see cref="Samples"/>, or use the per-row properties).</summary>
/// <param name="Reconstruction">Σ −log p(x|z), unweighted (Bernoulli: nats; Gaussian: squared error).</param>
/// <param name="Kl">Σ KL(q(z|x) ‖ N(0, I)), unweighted; 0 for an autoencoder.</param>
/// <param name="Total">Σ (w_rec·reconstruction + w_kl·KL): the objective whose gradient is computed.</param>
/// <param name="Samples">Number of rows.</param>
public readonly record struct LossBreakdown(double Reconstruction, double Kl, double Total, int Samples)
{
    /// <summary>Sum of two sets' figures.</summary>
    public static LossBreakdown operator +(LossBreakdown a, LossBreakdown b)
        => new(a.Reconstruction + b.Reconstruction, a.Kl + b.Kl, a.Total + b.Total, a.Samples + b.Samples);

    /// <summary>The weighted objective per row (for a VAE with weights 1 and 1: the negative ELBO in nats).</summary>
    public double TotalPerSample => Total / Math.Max(Samples, 1);

    /// <summary>The reconstruction term per row.</summary>
    public double ReconstructionPerSample => Reconstruction / Math.Max(Samples, 1);

    /// <summary>The KL term per row.</summary>
    public double KlPerSample => Kl / Math.Max(Samples, 1);
}
