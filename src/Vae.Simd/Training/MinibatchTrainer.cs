using System.Diagnostics;
using Vae.Simd.Common;
using Vae.Simd.Models;

namespace Vae.Simd.Training;

/// <summary>
/// The epoch loop: a seeded permutation per epoch, batches cut from it in order, the KL weight of each step (warm-up),
/// one step per batch through an <see cref="IStepRunner"/>, cancellation between steps. Every random choice is keyed by
/// (seed, epoch, position), so epoch e of a run is the same whether or not the run was interrupted before it.
/// </summary>
internal sealed class MinibatchTrainer(IStepRunner runner, int rows, int batchSize, ulong seed, LossWeights weights, int klWarmupEpochs)
{
    /// <summary>Optimizer steps in one epoch.</summary>
    public int StepsPerEpoch => (rows + batchSize - 1) / batchSize;

    /// <summary>The seeded permutation of epoch <paramref name="epoch"/> (0-based).</summary>
    public static int[] EpochOrder(int count, int epoch, ulong seed)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        new SeededRandom(seed * 0x9E3779B97F4A7C15UL + (ulong)epoch).Shuffle(order);
        return order;
    }

    /// <summary>The KL weight at step <paramref name="stepInEpoch"/> of epoch <paramref name="epoch"/>: it rises linearly over the
    /// warm-up epochs, counted in steps from the start of training, then stays at the configured weight.</summary>
    public float KlWeight(int epoch, int stepInEpoch)
    {
        if (klWarmupEpochs == 0) return weights.Kl;
        double progress = ((double)epoch * StepsPerEpoch + stepInEpoch + 1) / ((double)klWarmupEpochs * StepsPerEpoch);
        return (float)(weights.Kl * Math.Min(1.0, progress));
    }

    /// <summary>One pass over the data in epoch <paramref name="epoch"/>'s order. <paramref name="onStep"/> (optional) hears after
    /// each step how many rows are done and the loss so far. Returns the epoch's summed loss and its wall time.</summary>
    public (LossBreakdown Loss, double Seconds) TrainEpoch(int epoch, Action<int, LossBreakdown>? onStep = null, CancellationToken cancellationToken = default)
    {
        int[] order = EpochOrder(rows, epoch, seed);
        var total = new LossBreakdown();
        var clock = Stopwatch.StartNew();
        for (int start = 0, step = 0; start < rows; start += batchSize, step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, rows - start);
            total += runner.Step(new BatchContext(order, start, count, epoch, new LossScale(weights.Reconstruction, KlWeight(epoch, step))));
            onStep?.Invoke(start + count, total);
        }
        return (total, clock.Elapsed.TotalSeconds);
    }
}
