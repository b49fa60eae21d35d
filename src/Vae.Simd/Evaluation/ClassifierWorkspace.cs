using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>One worker's buffers for a <see cref="Classifier"/>, for batches of up to <see cref="MaxRows"/> images.</summary>
internal sealed class ClassifierWorkspace : IDisposable
{
    internal Workspace Buffers { get; }
    internal int RowLoss { get; }
    internal WorkerPool? Pool { get; }

    /// <summary>The classifier this workspace was made for.</summary>
    public Classifier Classifier { get; }

    /// <summary>The largest batch it holds.</summary>
    public int MaxRows => Buffers.MaxRows;

    internal ClassifierWorkspace(Classifier classifier, Workspace buffers, int rowLoss, WorkerPool? pool)
    {
        Classifier = classifier;
        Buffers = buffers;
        RowLoss = rowLoss;
        Pool = pool;
    }

    /// <summary>Returns the buffers to the pool and stops the workspace's threads.</summary>
    public void Dispose()
    {
        Buffers.Dispose();
        Pool?.Dispose();
    }
}
