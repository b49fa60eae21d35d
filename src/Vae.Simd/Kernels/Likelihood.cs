namespace Vae.Simd;

/// <summary>The reconstruction term −log p(x|z), computed from the decoder's logits.</summary>
public enum Likelihood
{
    /// <summary>Bernoulli: binary cross-entropy with logits, summed over pixels (targets in [0, 1]).</summary>
    Bernoulli,
    /// <summary>Gaussian with unit variance around sigmoid(logits): squared error summed over pixels
    /// (PyTorch's <c>mse_loss(reduction="sum")</c>; the constant and the factor ½ are dropped).</summary>
    Gaussian,
}
