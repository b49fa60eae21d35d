using Vae.Simd.Kernels;
using Vae.Simd.Layers;

namespace Vae.Simd.Training;

/// <summary>
/// The training step that reads top to bottom: the whole batch as one shard — forward, loss, backward into one gradient
/// buffer — then the optimizer and the refresh of the transposed weights. It is the step the finite-difference property
/// vouches for (<c>ComputeLossAndGradients</c> is the same forward and backward), and the property
/// "fused = reference" proves <see cref="FusedStep"/> equal to it, bit for bit.
/// </summary>
internal sealed class ReferenceStep : IStepRunner
{
    private readonly ITrainingProblem _problem;
    private readonly Optimizer _optimizer;
    private readonly IShard _batch;
    private readonly float[] _gradients;

    public ReferenceStep(ITrainingProblem problem, Optimizer optimizer, int batchSize)
    {
        (_problem, _optimizer) = (problem, optimizer);
        _batch = problem.CreateShard(batchSize);
        _gradients = new float[problem.Network.Parameters.Length];
    }

    public LossBreakdown Step(in BatchContext batch)
    {
        Network network = _problem.Network;
        var loss = _batch.Run(batch, 0, batch.Count);
        TrainingDivergedException.ThrowIfNotFinite(loss, batch.Epoch, _optimizer.Steps + 1);
        for (int l = 0; l < network.Linears.Count; l++)
            network.Linears[l].BackwardParameters(_batch.LayerInput(l), _batch.LayerDelta(l), _gradients, GradientUpdate.Overwrite);
        for (int v = 0; v < network.Vectors.Count; v++)
            Gemm.ColumnSums(_batch.VectorDelta(v), _gradients.AsSpan(network.Vectors[v].Offset, network.Vectors[v].Length));
        _optimizer.Step(network.Parameters, _gradients);
        for (int v = 0; v < network.Vectors.Count; v++) network.ProjectVector(v);
        network.ParametersChanged();
        return loss;
    }

    public void Dispose() => _batch.Dispose();
}
