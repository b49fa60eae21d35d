namespace Vae.Simd;

/// <summary>What one epoch of <see cref="LatentModel.Fit"/> did.</summary>
public sealed record EpochReport
{
    /// <summary>The epoch's number, from 1, counted over every Fit call on the model.</summary>
    public required int Epoch { get; init; }

    /// <summary>The number of the epoch this Fit call ends with.</summary>
    public required int LastEpoch { get; init; }

    /// <summary>Training loss terms summed over the epoch's rows, as weighted at each step (KL warm-up included).</summary>
    public required LossBreakdown Train { get; init; }

    /// <summary>Loss terms on the validation data after the epoch (null without validation data).</summary>
    public LossBreakdown? Validation { get; init; }

    /// <summary>Wall time of the epoch's training steps.</summary>
    public required double Seconds { get; init; }

    /// <summary>The learning rate of the epoch.</summary>
    public required float LearningRate { get; init; }

    /// <summary>The KL weight at the epoch's last step.</summary>
    public required float KlWeight { get; init; }

    /// <summary>Training rows per second.</summary>
    public double SamplesPerSecond => Train.Samples / Math.Max(Seconds, 1e-9);

    /// <summary>E.g. "epoch 3/10  train 105.213  validation 104.950  2.10 s  28,571 rows/s".</summary>
    public override string ToString()
        => $"epoch {Epoch}/{LastEpoch}  train {Train.TotalPerSample:F3}{(Validation is { } v ? $"  validation {v.TotalPerSample:F3}" : "")}  {Seconds:F2} s  {SamplesPerSecond:N0} rows/s";
}
