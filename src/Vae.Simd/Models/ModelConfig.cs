namespace Vae.Simd;

/// <summary>Deterministic autoencoder or variational autoencoder.</summary>
public enum ModelKind
{
    /// <summary>The encoder outputs one code; no KL term.</summary>
    Autoencoder,
    /// <summary>The encoder outputs μ and log σ²; z is sampled by reparameterization; KL to N(0, I).</summary>
    Variational,
}

/// <summary>
/// The architecture: encoder MLP input → hidden… → latent head(s); decoder MLP latent → hidden
/// (reversed)… → input-sized logits. Defaults are the canonical MNIST VAE (784-400-(20, 20), 20-400-784, ReLU, Bernoulli).
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Variational (default) or plain autoencoder.</summary>
    public ModelKind Kind { get; init; } = ModelKind.Variational;

    /// <summary>Values per row: pixels per image, or features per table row.</summary>
    public int InputSize { get; init; } = 784;

    /// <summary>Encoder hidden widths, first to last; the decoder uses them reversed. May be empty. The list is copied.</summary>
    public IReadOnlyList<int> Hidden { get => _hidden; init => _hidden = value?.ToArray()!; }
    private readonly int[] _hidden = [400];

    /// <summary>Latent dimension.</summary>
    public int Latent { get; init; } = 20;

    /// <summary>Nonlinearity after every hidden layer.</summary>
    public ActivationKind Activation { get; init; } = ActivationKind.ReLU;

    /// <summary>The reconstruction likelihood.</summary>
    public Likelihood Likelihood { get; init; } = Likelihood.Bernoulli;

    /// <summary>Image height when rows are images (height × width = <see cref="InputSize"/>), else 0. Saved with the model,
    /// so that pictures of its samples come out the right shape.</summary>
    public int ImageHeight { get; init; }

    /// <summary>Image width when rows are images, else 0.</summary>
    public int ImageWidth { get; init; }

    /// <summary>Colour channels of an image (1 grey, 3 RGB; interleaved), so that height × width × channels = <see cref="InputSize"/>.</summary>
    public int ImageChannels { get; init; } = 1;

    /// <summary>The most hidden layers an encoder (and its mirrored decoder) may have.</summary>
    internal const int MaxHiddenLayers = 64;

    /// <summary>The most parameters a model may have: one flat buffer holds them all.</summary>
    internal const long MaxParameters = 1L << 30;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad field.</summary>
    public ModelConfig Validate()
    {
        if (InputSize <= 0) throw new ArgumentOutOfRangeException(nameof(InputSize), InputSize, "the input size must be positive");
        if (Latent <= 0) throw new ArgumentOutOfRangeException(nameof(Latent), Latent, "the latent dimension must be positive");
        if (Hidden is null) throw new ArgumentNullException(nameof(Hidden));
        if (Hidden.Count > MaxHiddenLayers) throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden.Count, $"{Hidden.Count} hidden layers are more than a model may have ({MaxHiddenLayers})");
        for (int i = 0; i < Hidden.Count; i++)
            if (Hidden[i] <= 0) throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden[i], $"hidden width {i + 1} must be positive");
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown model kind");
        if (!Enum.IsDefined(Activation)) throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "unknown activation");
        if (!Enum.IsDefined(Likelihood)) throw new ArgumentOutOfRangeException(nameof(Likelihood), Likelihood, "unknown likelihood");
        if (ImageChannels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(ImageChannels), ImageChannels, "images have 1 to 4 channels");
        if (ImageHeight < 0 || ImageWidth < 0 || (ImageHeight == 0) != (ImageWidth == 0) || (ImageHeight > 0 && (Int128)ImageHeight * ImageWidth * ImageChannels != InputSize))
            throw new ArgumentOutOfRangeException(nameof(ImageHeight), $"an image shape of {ImageHeight}×{ImageWidth}×{ImageChannels} does not fit rows of {InputSize} values (give both sizes, or neither)");
        long parameters = ParameterCount();
        if (parameters > MaxParameters)
            throw new ArgumentOutOfRangeException(nameof(Hidden), $"{this} has {(parameters == long.MaxValue ? "more than 9e18" : parameters.ToString("N0"))} parameters (over {MaxParameters * 4 / 1e9:F1} GB of weights), more than a model may have ({MaxParameters:N0})");
        return this;
    }

    /// <summary>Weights and biases of the encoder (with its μ and log σ² heads, or its code head) and the decoder, and a learned
    /// output log-variance, counted in 64 bits; <see cref="long.MaxValue"/> for a count beyond them (a few hidden widths near
    /// int.MaxValue), which <see cref="Validate"/> then refuses instead of a wrapped-around negative count passing its check.</summary>
    internal long ParameterCount()
    {
        try { return CountParameters(); }
        catch (OverflowException) { return long.MaxValue; }
    }

    private long CountParameters()
    {
        long total = 0;
        long previous = InputSize;
        checked
        {
            foreach (int h in Hidden) { total += (previous + 1) * h; previous = h; }
            total += (previous + 1) * (long)Latent * (Kind == ModelKind.Variational ? 2 : 1);
            previous = Latent;
            foreach (int h in Hidden.Reverse()) { total += (previous + 1) * h; previous = h; }
            total += (previous + 1) * InputSize;
            // The learned-variance Gaussian's per-feature log-variance.
            return Likelihood == Likelihood.GaussianLearnedVariance ? total + InputSize : total;
        }
    }

    /// <summary>Records compare lists by reference; configurations compare by content.</summary>
    public bool Equals(ModelConfig? other) => other is not null && Kind == other.Kind && InputSize == other.InputSize
        && Hidden.SequenceEqual(other.Hidden) && Latent == other.Latent && Activation == other.Activation && Likelihood == other.Likelihood
        && ImageHeight == other.ImageHeight && ImageWidth == other.ImageWidth && ImageChannels == other.ImageChannels;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, InputSize, Hidden.Count, Latent, Activation, Likelihood);

    /// <summary>E.g. "vae 784-400-20 relu bernoulli".</summary>
    public override string ToString()
        => $"{(Kind == ModelKind.Variational ? "vae" : "ae")} {string.Join("-", new[] { InputSize }.Concat(Hidden).Append(Latent))} {Activation.ToString().ToLowerInvariant()} {(Likelihood == Likelihood.GaussianLearnedVariance ? "gaussian-learned-variance" : Likelihood.ToString().ToLowerInvariant())}";
}
