using Vae.Simd.Evaluation;

namespace Vae.Simd;

/// <summary>Per-row scores of a dataset (see <see cref="LatentModel.Score"/>): high means the model finds the row unlikely.</summary>
/// <param name="NegativeElbo">−log p(x|z) + KL(q(z|x) ‖ N(0, I)) with one z ~ q(z|x) per row (an autoencoder: the reconstruction term
/// at its code).</param>
/// <param name="Reconstruction">The reconstruction term −log p(x|z) of each row.</param>
/// <param name="Kl">The KL term of each row (0 for an autoencoder).</param>
/// <param name="LogLikelihood">The importance-weighted estimate of log p(x) of each row (note the sign: high means likely), or null
/// when not asked for.</param>
public sealed record RowScores(double[] NegativeElbo, double[] Reconstruction, double[] Kl, double[]? LogLikelihood)
{
    /// <summary>Rows scored.</summary>
    public int Count => NegativeElbo.Length;

    /// <summary>−log p(x|z) + KL(q(z|x) ‖ N(0, I)) of each row. The constructor checks that every per-row array holds one score
    /// per row: arrays of different lengths would rank rows against scores that are not theirs.</summary>
    public double[] NegativeElbo { get; init; } = SameLength(NegativeElbo, Reconstruction, Kl, LogLikelihood);

    private static double[] SameLength(double[] negativeElbo, double[] reconstruction, double[] kl, double[]? logLikelihood)
    {
        ArgumentNullException.ThrowIfNull(negativeElbo);
        ArgumentNullException.ThrowIfNull(reconstruction);
        ArgumentNullException.ThrowIfNull(kl);
        int n = negativeElbo.Length;
        if (reconstruction.Length != n || kl.Length != n || (logLikelihood is not null && logLikelihood.Length != n))
            throw new ArgumentException($"every per-row array must hold one score per row: {n} negative ELBOs, {reconstruction.Length} reconstruction terms, "
                + $"{kl.Length} KL terms{(logLikelihood is null ? "" : $", {logLikelihood.Length} log-likelihoods")}");
        return negativeElbo;
    }

    /// <summary>The score used to rank rows: −log p(x) when it was estimated, else the negative ELBO.</summary>
    public double AnomalyScore(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return LogLikelihood is { } l ? -l[row] : NegativeElbo[row];
    }
}

public abstract partial class LatentModel
{
    /// <summary>
    /// Scores every row of <paramref name="data"/> (in the data's own units: the model's <see cref="Scaling"/> is applied): the
    /// negative ELBO and its two terms, each row with one z ~ q(z|x) keyed by <paramref name="seed"/> and the row's index; and, with
    /// <paramref name="importanceSamples"/> &gt; 0, the importance-weighted log p(x) with that many draws per row (a VAE with a
    /// Bernoulli or learned-variance Gaussian likelihood only). The usual anomaly score for a row is its negative ELBO, or −log p(x).
    /// </summary>
    public RowScores Score(Dataset data, int importanceSamples = 0, ulong seed = 1, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data, nameof(data));
        if (importanceSamples < 0 || importanceSamples > ImportanceWeightedLikelihood.MaxSamples)
            throw new ArgumentOutOfRangeException(nameof(importanceSamples), importanceSamples, $"the number of importance samples must be 0 (none) to {ImportanceWeightedLikelihood.MaxSamples:N0}");
        if (threads < 0 || threads > TrainingOptions.MaxThreads)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"the thread count must be 0 (one per processor) to {TrainingOptions.MaxThreads}");
        if (importanceSamples > 0 && this is not VariationalAutoencoder)
            throw new InvalidOperationException("the importance-weighted log p(x) needs a VAE: an autoencoder has no q(z|x)");
        var scaled = InModelUnits(data);
        CheckData(scaled, nameof(data));
        int rows = scaled.Count;
        var scores = new RowScores(new double[rows], new double[rows], new double[rows], null);
        ReadOnlySpan<float> x = scaled.Rows(0, rows);
        NegativeElbo(x, scores.NegativeElbo, scores.Reconstruction, scores.Kl, seed);
        if (importanceSamples == 0) return scores;
        return scores with { LogLikelihood = ((VariationalAutoencoder)this).ImportanceWeightedLogLikelihood(x, importanceSamples, seed, threads) };
    }

    /// <summary>The deterministic code (μ for a VAE) of every row of <paramref name="data"/>, in the data's own units (the model's
    /// <see cref="Scaling"/> is applied): rows × <see cref="Latent"/> values.</summary>
    public float[] EncodeDataset(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data, nameof(data));
        var scaled = InModelUnits(data);
        return EncodeMean(scaled.Rows(0, scaled.Count));
    }

    /// <summary>The decoder's output for each code in <paramref name="z"/>, in the data's own units (the model's
    /// <see cref="Scaling"/> undone): rows × <see cref="InputSize"/> values.</summary>
    public float[] DecodeToData(ReadOnlySpan<float> z)
    {
        var output = Decode(z);
        _scaling?.Restore(output);
        return output;
    }

    /// <summary>The data's rows must be the model's width (checked before the scaling meets them).</summary>
    private protected void CheckWidth(Dataset data, string name)
    {
        if (data.Features != InputSize)
            throw new ArgumentException($"{name} has {data.Features} values per row but the model takes {InputSize} (ModelConfig.InputSize)", name);
    }
}
