using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Training;

/// <summary>One optimizer step's batch: rows Order[Start .. Start + Count) of the epoch's permutation, and the loss weights in force.</summary>
internal readonly record struct BatchContext(int[] Order, int Start, int Count, int Epoch, LossScale Weights);

/// <summary>
/// What the trainers train: a network, the rows it learns from, and how a shard of a batch becomes a loss and every
/// linear layer's delta. The VAE/AE and the judge classifier are the two problems; both run on the same two steps,
/// <see cref="ReferenceStep"/> and <see cref="FusedStep"/>.
/// </summary>
internal interface ITrainingProblem
{
    /// <summary>The network whose parameters are trained.</summary>
    Network Network { get; }

    /// <summary>Rows in the training data.</summary>
    int Rows { get; }

    /// <summary>Buffers for shards of up to <paramref name="maxRows"/> rows.</summary>
    IShard CreateShard(int maxRows);
}

/// <summary>One worker's share of a batch: its rows, the forward pass and the deltas of the backward pass.</summary>
internal interface IShard : IDisposable
{
    /// <summary>Gathers rows [first, first + rows) of <paramref name="batch"/> (augmented, binarized, with their noise or labels),
    /// computes their loss, and leaves every linear layer's input and delta in the shard.</summary>
    LossBreakdown Run(in BatchContext batch, int first, int rows);

    /// <summary>The input of linear layer <paramref name="layer"/> in the last <see cref="Run"/>.</summary>
    ReadOnlyMatrixSpan LayerInput(int layer);

    /// <summary>∂L/∂(output of linear layer <paramref name="layer"/>) in the last <see cref="Run"/>.</summary>
    ReadOnlyMatrixSpan LayerDelta(int layer);

    /// <summary>The per-row matrix whose column sums are the gradient of the network's parameter vector <paramref name="vector"/>
    /// (<see cref="Network.Vectors"/>) in the last <see cref="Run"/>. Only networks with such vectors implement it.</summary>
    ReadOnlyMatrixSpan VectorDelta(int vector) => throw new ArgumentOutOfRangeException(nameof(vector), vector, "this network has no parameter vectors");
}

/// <summary>One optimizer step over a batch; returns the batch's loss. Throws <see cref="TrainingDivergedException"/>,
/// leaving the parameters untouched, when the loss is not finite.</summary>
internal interface IStepRunner : IDisposable
{
    LossBreakdown Step(in BatchContext batch);
}
