using Vae.Simd.Common;
using Vae.Simd.Data;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Training;

/// <summary>
/// Training a VAE or an autoencoder: a shard gathers its rows (redrawn binary targets under dynamic binarization), draws
/// its noise keyed by each row's position in the whole run — never by shard or thread — and runs the network's forward
/// pass and the first half of backward.
/// </summary>
internal sealed class LatentProblem : ITrainingProblem
{
    private readonly LatentNetwork _network;
    private readonly Dataset _data;
    private readonly NoiseSource _noise;
    private readonly ulong _binarizeSeed;
    private readonly bool _dynamicBinarization;
    private readonly Objective _objective;
    private readonly int _k;

    public LatentProblem(LatentNetwork network, Dataset data, ulong seed, BinarizationMode binarize, Objective objective = Objective.Elbo, int samples = 1)
    {
        if (objective == Objective.Iwae && !network.NeedsNoise) throw new ArgumentException("the importance-weighted bound needs a VAE", nameof(objective));
        (_network, _data, _objective, _k) = (network, data, objective, samples);
        _noise = new NoiseSource(seed);
        _binarizeSeed = seed ^ 0xB1A5ED0000000000UL;
        _dynamicBinarization = binarize == BinarizationMode.Dynamic;
    }

    public Layers.Network Network => _network;

    public int Rows => _data.Count;

    public IShard CreateShard(int maxRows) => new Shard(this, maxRows);

    /// <summary>Buffers for up to <paramref name="maxRows"/> rows, each run as k copies (k draws of z).</summary>
    private sealed class Shard(LatentProblem problem, int maxRows) : IShard
    {
        private readonly NetworkWorkspace _workspace = problem._network.CreateWorkspace(maxRows * problem._k);
        // Aligned, because the first layer's dW reads these rows in place.
        private readonly CacheAlignedFloats _inputs = new(maxRows * problem._k * problem._network.Config.InputSize);
        private readonly Matrix _epsilon = new(maxRows * problem._k, problem._network.Latent);
        private int _rows;

        public LossBreakdown Run(in BatchContext batch, int first, int rows)
        {
            var data = problem._data;
            int features = data.Features, k = problem._k;
            _rows = rows * k;
            MatrixSpan x = Inputs();
            // The batch's rows are scattered over a dataset far larger than the caches (MNIST: 188 MB), so each one starts
            // with a miss to memory; asking for the rows ahead overlaps those misses with the copying.
            for (int r = 0; r < Math.Min(RowsAhead, rows); r++) Prefetch.Lines(SourceRow(batch, first + r));
            for (int r = 0; r < rows; r++)
            {
                if (r + RowsAhead < rows) Prefetch.Lines(SourceRow(batch, first + r + RowsAhead));
                int row = batch.Order[batch.Start + first + r];
                ReadOnlySpan<float> source = data.Values.AsSpan(row * features, features);
                if (problem._dynamicBinarization) Binarization.Sample(source, x[r * k], problem._binarizeSeed, batch.Epoch, row);
                else source.CopyTo(x[r * k]);
                for (int c = 1; c < k; c++) x[r * k].CopyTo(x[r * k + c]);
            }
            // Draw c of the row at position n of the run is noise sample n·k + c: never shared, whatever the shard or thread.
            MatrixSpan eps = _epsilon.AsSpan().SliceRows(0, _rows);
            problem._noise.Fill(eps, ((long)batch.Epoch * data.Count + batch.Start + first) * k);
            if (problem._objective == Objective.Iwae)
                return problem._network.ComputeIwaeLossAndDeltas(x, eps, k, batch.Weights.Reconstruction, _workspace);
            if (k == 1) return problem._network.ComputeLossAndDeltas(x, eps, batch.Weights, _workspace);
            // The k-sample ELBO: the mean over the copies, so each copy's terms weigh 1/k.
            var loss = problem._network.ComputeLossAndDeltas(x, eps, new LossScale(batch.Weights.Reconstruction / k, batch.Weights.Kl / k), _workspace);
            return new LossBreakdown(loss.Reconstruction / k, loss.Kl / k, loss.Total, rows);
        }

        /// <summary>How many rows ahead of the one it copies a shard prefetches.</summary>
        private const int RowsAhead = 2;

        private ReadOnlySpan<float> SourceRow(in BatchContext batch, int position)
        {
            var data = problem._data;
            return data.Values.AsSpan(batch.Order[batch.Start + position] * data.Features, data.Features);
        }

        private MatrixSpan Inputs() => new(_inputs.Slice(0, _rows * problem._network.Config.InputSize), _rows, problem._network.Config.InputSize);

        public ReadOnlyMatrixSpan LayerInput(int layer) => problem._network.LinearInput(layer, Inputs(), _workspace);

        public ReadOnlyMatrixSpan LayerDelta(int layer) => problem._network.LinearDelta(layer, _workspace, _rows);

        public ReadOnlyMatrixSpan VectorDelta(int vector) => problem._network.VectorDelta(vector, _workspace, _rows);

        public void Dispose()
        {
            _workspace.Dispose();
            _epsilon.Dispose();
        }
    }
}
