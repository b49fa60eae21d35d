using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>
/// One worker's buffers for a <see cref="LatentNetwork"/>: every activation of the forward pass and
/// every gradient between layers, for batches of up to <see cref="MaxRows"/> rows. Made by
/// <see cref="LatentNetwork.CreateWorkspace"/>; reuse it across steps, dispose it at the end.
/// </summary>
internal sealed class NetworkWorkspace : IDisposable
{
    internal Workspace Buffers { get; }
    internal int Head, HeadDelta, Z, DZ, Noise;
    internal int RowReconstruction, RowKl;
    internal int OutputLogVarianceDelta = -1;

    /// <summary>The model this workspace was made for.</summary>
    public LatentNetwork Model { get; }

    /// <summary>The largest batch it holds.</summary>
    public int MaxRows => Buffers.MaxRows;

    private int _inUse;

    /// <summary>Claims the workspace for one call. Two threads in one workspace would overwrite each other's activations and
    /// return wrong numbers without a sign; the second one gets this exception instead.</summary>
    internal Lease Enter()
    {
        if (Interlocked.Exchange(ref _inUse, 1) != 0)
            throw new InvalidOperationException("this workspace is in use by another call on another thread; a workspace serves one call at a time (give each thread its own)");
        return new Lease(this);
    }

    internal readonly struct Lease(NetworkWorkspace workspace) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref workspace._inUse, 0);
    }

    internal NetworkWorkspace(LatentNetwork model, Workspace buffers)
    {
        Model = model;
        Buffers = buffers;
    }

    /// <summary>Per-image reconstruction terms of the last loss computed with this workspace.</summary>
    public ReadOnlySpan<double> LastReconstruction(int rows) => Buffers.RowDoubles(RowReconstruction, rows);

    /// <summary>Per-image KL terms of the last loss computed with this workspace.</summary>
    public ReadOnlySpan<double> LastKl(int rows) => Buffers.RowDoubles(RowKl, rows);

    /// <summary>Forward passes in this workspace read the float32 weights whatever the model's inference precision (the loss
    /// that matches a gradient, finite differences); gradients always do.</summary>
    internal bool ExactWeights { get; set; }

    /// <summary>Threads that share each inference product (null: the calling thread alone).</summary>
    internal Kernels.WorkerPool? Pool { get; set; }

    /// <summary>Runs each inference call block by block (with <see cref="Pool"/>, a large batch shared among its threads by
    /// rows, each in buffers of its own).</summary>
    internal InferenceBlocks Blocks { get; set; } = null!;

    /// <summary>Returns the buffers to the pool and stops the workspace's threads.</summary>
    public void Dispose()
    {
        Buffers.Dispose();
        Blocks.Dispose();
        Pool?.Dispose();
    }
}
