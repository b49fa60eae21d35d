namespace Vae.Simd;

/// <summary>The reconstruction term −log p(x|z), computed from the decoder's outputs (its logits).</summary>
public enum Likelihood
{
    /// <summary>Bernoulli: binary cross-entropy with logits, summed over pixels (targets in [0, 1]).</summary>
    Bernoulli,
    /// <summary>Gaussian with unit variance around sigmoid(logits): squared error summed over pixels
    /// (PyTorch's <c>mse_loss(reduction="sum")</c>; the constant and the factor ½ are dropped).</summary>
    Gaussian,
    /// <summary>Gaussian N(x; m, σ²) with the decoder's output as the mean m (identity, not sigmoid) and a learned log-variance
    /// per feature (trained with the weights): the full −log density, ½ Σ (ln 2π + log σ² + (x − m)²/σ²), in nats. For
    /// real-valued data, standardized (see <see cref="FeatureScaling"/>); the importance-weighted log p(x) is defined for it.</summary>
    GaussianLearnedVariance,
}
