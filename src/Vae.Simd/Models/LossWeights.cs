using Vae.Simd.Models;

namespace Vae.Simd;

/// <summary>
/// The objective's two weights: loss = Reconstruction·(−log p(x|z)) + Kl·KL(q(z|x) ‖ N(0, I)). The defaults,
/// 1 and 1, are the ELBO. Either weight may be 0 (the lecture's "KL only" and "reconstruction only"), not both:
/// a loss that is identically 0 trains nothing, so every method that trains or scores refuses it.
/// </summary>
public sealed record LossWeights
{
    private readonly float _reconstruction = 1f, _kl = 1f;

    /// <summary>Weights (1, 1) unless given; each must be finite and ≥ 0.</summary>
    public LossWeights(float reconstruction = 1f, float kl = 1f)
    {
        Reconstruction = reconstruction;
        Kl = kl;
    }

    /// <summary>Weight of −log p(x|z).</summary>
    public float Reconstruction { get => _reconstruction; init => _reconstruction = Check(value, nameof(Reconstruction), "reconstruction"); }

    /// <summary>Weight of the KL term (an autoencoder has none, so only its reconstruction weight counts).</summary>
    public float Kl { get => _kl; init => _kl = Check(value, nameof(Kl), "KL"); }

    private static float Check(float value, string name, string what)
        => float.IsFinite(value) && value >= 0 ? value
            : throw new ArgumentOutOfRangeException(name, value, $"the {what} weight must be a finite number ≥ 0");

    /// <summary>Throws when the loss would be identically 0 (see the class summary): both weights 0, or, for a model without a KL term
    /// (an autoencoder), a reconstruction weight of 0. Returns the weights otherwise.</summary>
    internal LossWeights RequireNonZero(string parameter, bool hasKl = true)
    {
        if (Reconstruction > 0 || (hasKl && Kl > 0)) return this;
        throw new ArgumentException(hasKl
            ? "both loss weights are 0, so the loss is identically 0 and training would change nothing; give the reconstruction or the KL term a positive weight"
            : "the reconstruction weight is 0 and an autoencoder has no KL term, so the loss is identically 0 and training would change nothing", parameter);
    }

    internal LossScale Scale => new(Reconstruction, Kl);

    /// <inheritdoc />
    public override string ToString() => $"reconstruction × {Reconstruction}, KL × {Kl}";
}
