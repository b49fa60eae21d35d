namespace Vae.Simd;

/// <summary>The optimizer that <see cref="LatentModel.Fit"/> uses.</summary>
public enum OptimizerKind
{
    /// <summary>Adam exactly as PyTorch computes it (<see cref="TrainingOptions.AdamBeta1"/>, <see cref="TrainingOptions.AdamBeta2"/>, <see cref="TrainingOptions.AdamEpsilon"/>).</summary>
    Adam,
    /// <summary>SGD with momentum as PyTorch computes it (<see cref="TrainingOptions.Momentum"/>).</summary>
    Sgd,
}

/// <summary>What <see cref="LatentModel.Fit"/> minimises for each row (Burda et al., "Importance Weighted Autoencoders").</summary>
public enum Objective
{
    /// <summary>The negative ELBO, w_rec·(−log p(x|z)) + w_kl·KL, averaged over <see cref="TrainingOptions.Samples"/> draws of z
    /// (k = 1: the usual VAE loss).</summary>
    Elbo,
    /// <summary>The importance-weighted bound −log (1/k) Σᵢ p(x|zᵢ) p(zᵢ) / q(zᵢ|x) over k = <see cref="TrainingOptions.Samples"/>
    /// draws; tighter than the ELBO for k &gt; 1 and equal to it in expectation for k = 1. VAEs only, loss weights (1, 1).</summary>
    Iwae,
}

/// <summary>How <see cref="LatentModel.Fit"/> trains. The defaults are the PyTorch VAE example's: Adam at 1e-3, batch 128, 10 epochs.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training data in this call (a later call continues from where this one ends).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per optimizer step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The optimizer's step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Adam (default) or SGD with momentum.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Adam's first-moment decay β₁.</summary>
    public float AdamBeta1 { get; init; } = 0.9f;

    /// <summary>Adam's second-moment decay β₂.</summary>
    public float AdamBeta2 { get; init; } = 0.999f;

    /// <summary>Adam's ε, added to the denominator (PyTorch: 1e-8; Burda et al.: 1e-4).</summary>
    public float AdamEpsilon { get; init; } = 1e-8f;

    /// <summary>SGD's momentum μ (0: plain SGD).</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>The objective: the ELBO (default) or the importance-weighted bound.</summary>
    public Objective Objective { get; init; } = Objective.Elbo;

    /// <summary>Draws of z per row, k (default 1). Each row's k copies run through the network together, so a step costs about
    /// k times as much.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>The most draws per row: beyond this the bound stops improving and a batch's copies stop fitting in cache.</summary>
    internal const int MaxSamples = 5000;

    /// <summary>The weights of the two loss terms (the KL weight is the value reached after warm-up).</summary>
    public LossWeights Weights { get; init; } = new();

    /// <summary>Epochs over which the KL weight rises linearly from 0 to <see cref="LossWeights.Kl"/>; 0 = no warm-up.</summary>
    public int KlWarmupEpochs { get; init; }

    /// <summary>How values in [0, 1] become the targets of a Bernoulli likelihood: kept as they are, drawn once, or redrawn every epoch.</summary>
    public BinarizationMode Binarize { get; init; } = BinarizationMode.None;

    /// <summary>Seeds shuffling, noise and binarization (the model's initialisation has its own seed). With the same seed,
    /// training gives the same parameters bit for bit, whatever <see cref="Threads"/> is.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Worker threads, the calling thread included; 0 (default) = one per processor. Results do not depend on it.
    /// Between the parts of a step the threads wait for one another by spinning (up to 1 ms at a time, giving their core away
    /// now and then), not by sleeping, so each keeps a core busy until <c>Fit</c> returns; its threads end with the call.</summary>
    public int Threads { get; init; }

    /// <summary>The largest number of rows one worker takes at a time (a batch is cut into shards of at most this many). Results do not depend on it.</summary>
    internal int ShardRows { get; init; } = 64;

    /// <summary>Threads that will run: <see cref="Threads"/>, or the processor count for 0.</summary>
    internal int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    /// <summary>The most threads anyone may ask for: beyond this a thread count is a typo, and each thread costs memory.</summary>
    internal const int MaxThreads = 256;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option that makes no sense.</summary>
    internal TrainingOptions Validate()
    {
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "at least one epoch is needed");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be positive");
        if (!float.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "the learning rate must be a positive number");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "unknown optimizer");
        if (!(AdamBeta1 >= 0 && AdamBeta1 < 1)) throw new ArgumentOutOfRangeException(nameof(AdamBeta1), AdamBeta1, "β₁ must be in [0, 1)");
        if (!(AdamBeta2 >= 0 && AdamBeta2 < 1)) throw new ArgumentOutOfRangeException(nameof(AdamBeta2), AdamBeta2, "β₂ must be in [0, 1)");
        if (!(AdamEpsilon > 0) || !float.IsFinite(AdamEpsilon)) throw new ArgumentOutOfRangeException(nameof(AdamEpsilon), AdamEpsilon, "ε must be a positive number");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "momentum must be in [0, 1)");
        ArgumentNullException.ThrowIfNull(Weights, nameof(Weights));
        Weights.RequireNonZero(nameof(Weights));
        if (KlWarmupEpochs < 0) throw new ArgumentOutOfRangeException(nameof(KlWarmupEpochs), KlWarmupEpochs, "the KL warm-up cannot be negative");
        if (!Enum.IsDefined(Binarize)) throw new ArgumentOutOfRangeException(nameof(Binarize), Binarize, "unknown binarization mode");
        if (Threads < 0 || Threads > MaxThreads) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, $"the thread count must be 0 (one per processor) to {MaxThreads}");
        if (ShardRows <= 0) throw new ArgumentOutOfRangeException(nameof(ShardRows), ShardRows, "the shard size must be positive");
        if (!Enum.IsDefined(Objective)) throw new ArgumentOutOfRangeException(nameof(Objective), Objective, "unknown objective");
        if (Samples < 1 || Samples > MaxSamples) throw new ArgumentOutOfRangeException(nameof(Samples), Samples, $"the number of draws per row must be 1 to {MaxSamples}");
        if (Objective == Objective.Iwae && (Weights.Reconstruction != 1 || Weights.Kl != 1 || KlWarmupEpochs != 0))
            throw new ArgumentException("the importance-weighted bound has no separate reconstruction and KL terms to weight: use loss weights (1, 1) and no KL warm-up", nameof(Weights));
        return this;
    }
}
