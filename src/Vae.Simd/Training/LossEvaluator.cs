using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Training;

/// <summary>
/// The loss of a whole dataset, shared among a pool's threads: fixed blocks of rows, each into its own slot, summed in
/// block order. A VAE's z is sampled with noise keyed by row index, so repeated evaluations agree and the result does
/// not depend on the thread count.
/// </summary>
internal sealed class LossEvaluator : IParallelWork, IDisposable
{
    private const int BlockRows = 64;
    private readonly LatentNetwork _network;
    private readonly NetworkWorkspace[] _workspaces;
    private readonly Matrix[] _noise;
    private LossBreakdown[] _losses = [];
    private Dataset? _data;
    private LossScale _weights;
    private NoiseSource _source;
    private int _blocks;

    public LossEvaluator(LatentNetwork network, int workers)
    {
        _network = network;
        _workspaces = new NetworkWorkspace[workers];
        _noise = new Matrix[workers];
        for (int w = 0; w < workers; w++)
        {
            _workspaces[w] = network.CreateWorkspace(BlockRows);
            _noise[w] = new Matrix(BlockRows, network.Latent);
        }
    }

    /// <summary>The summed loss terms of <paramref name="data"/> under <paramref name="weights"/>, with noise from <paramref name="seed"/>.</summary>
    public LossBreakdown Evaluate(Dataset data, LossScale weights, ulong seed, WorkerPool pool)
    {
        (_data, _weights, _source) = (data, weights, new NoiseSource(seed ^ 0x7E57000000000000UL));
        _blocks = (data.Count + BlockRows - 1) / BlockRows;
        if (_losses.Length < _blocks) _losses = new LossBreakdown[_blocks];
        pool.Run(this, _blocks);
        var total = new LossBreakdown();
        for (int i = 0; i < _blocks; i++) total += _losses[i];
        return total;
    }

    public void Execute(int block, int worker)
    {
        int start = block * BlockRows, rows = Math.Min(BlockRows, _data!.Count - start);
        MatrixSpan eps = _noise[worker].AsSpan().SliceRows(0, rows);
        _source.Fill(eps, start);
        _losses[block] = _network.ComputeLoss(_data.Slice(start, rows), eps, _weights, _workspaces[worker]);
    }

    public void Dispose()
    {
        foreach (var w in _workspaces) w.Dispose();
        foreach (var m in _noise) m.Dispose();
    }
}
