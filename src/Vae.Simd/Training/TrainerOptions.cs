using Vae.Simd.Data;
using Vae.Simd.Models;

namespace Vae.Simd.Training;

/// <summary>How a <see cref="Trainer"/> runs. Defaults are the canonical run's.</summary>
internal sealed record TrainerOptions
{
    /// <summary>Images per optimizer step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Worker threads (the caller's included). Results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Rows per shard: a batch is cut into shards of this many rows whatever the thread count, each shard
    /// gets its own gradient buffer, and shard gradients are summed in shard order — that is what keeps
    /// results bitwise identical for any number of threads. 64 gives two shards per canonical batch.
    /// </summary>
    public int ShardRows { get; init; } = 64;

    /// <summary>Seeds shuffling, noise and binarization (the model's initialisation has its own seed).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The loss weights (the KL weight is the value reached after warm-up).</summary>
    public LossWeights Weights { get; init; } = new(1f, 1f);

    /// <summary>Epochs over which the KL weight rises linearly from 0 to <see cref="LossWeights.Kl"/>; 0 = no warm-up.</summary>
    public int KlWarmupEpochs { get; init; }

    /// <summary>How pixels become targets.</summary>
    public BinarizationMode Binarize { get; init; } = BinarizationMode.None;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public TrainerOptions Validate()
    {
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be positive");
        if (Threads <= 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "the thread count must be positive");
        if (ShardRows <= 0) throw new ArgumentOutOfRangeException(nameof(ShardRows), ShardRows, "the shard size must be positive");
        if (KlWarmupEpochs < 0) throw new ArgumentOutOfRangeException(nameof(KlWarmupEpochs), KlWarmupEpochs, "the KL warm-up cannot be negative");
        if (!Enum.IsDefined(Binarize)) throw new ArgumentOutOfRangeException(nameof(Binarize), Binarize, "unknown binarization mode");

        return this;
    }
}

/// <summary>What one epoch did.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Train">Training loss terms summed over the epoch's images (as weighted at each step).</param>
/// <param name="Seconds">Wall time of the epoch's training steps.</param>
internal readonly record struct EpochResult(int Epoch, LossBreakdown Train, double Seconds)
{
    /// <summary>Training images per second.</summary>
    public double SamplesPerSecond => Train.Samples / Math.Max(Seconds, 1e-9);

    /// <summary>The weighted objective per image.</summary>
    public double TrainLossPerImage => Train.Total / Math.Max(Train.Samples, 1);
}

