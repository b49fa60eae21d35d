using Vae.Simd.Common;
using System.Diagnostics;
using Vae.Simd.Data;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Training;

/// <summary>
/// Minibatch training on all cores. One step: the batch is cut into fixed shards; workers take
/// shards, gather (and binarize) their rows, draw their noise by sample index, and run forward and
/// backward into the shard's own gradient buffer; then the gradient buffers are summed in shard order
/// and the optimizer updates the parameters, both chunk by chunk in parallel. Every buffer is made
/// once, so a steady-state step allocates nothing, and no result depends on the thread count.
/// </summary>
internal sealed class Trainer : IDisposable
{
    private const int ParameterChunk = 16 * 1024;

    private readonly LatentNetwork _model;
    private readonly Optimizer _optimizer;
    private readonly WorkerPool _pool;
    private readonly ShardWork _shards;
    private readonly GradientAndUpdate _update;
    private readonly EvaluationWork _evaluation;
    private readonly TransposedWeights _transposed;
    private bool _transposedStale = true;
    private long _step;

    /// <summary>The options in force.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Trains <paramref name="model"/> with <paramref name="optimizer"/>.</summary>
    public Trainer(LatentNetwork model, Optimizer optimizer, TrainerOptions options)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        if (optimizer.Count != model.Parameters.Length)
            throw new ArgumentException($"the optimizer holds state for {optimizer.Count} parameters but the model has {model.Parameters.Length}", nameof(optimizer));
        int shardRows = Math.Min(options.ShardRows, options.BatchSize);
        int shardCount = (options.BatchSize + shardRows - 1) / shardRows;
        _pool = new WorkerPool(options.Threads);
        _transposed = new TransposedWeights(model.Linears);
        _shards = new ShardWork(model, shardCount, shardRows, options, _transposed);
        _update = new GradientAndUpdate(model, optimizer, _shards, _transposed, options.Threads);
        _evaluation = new EvaluationWork(model, options.Threads, shardRows, _transposed);
    }

    /// <summary>The KL weight at the current step (after warm-up, the configured weight).</summary>
    public float CurrentKlWeight(int stepsPerEpoch)
    {
        if (Options.KlWarmupEpochs == 0) return Options.Weights.Kl;
        double progress = (double)(_step + 1) / ((long)Options.KlWarmupEpochs * Math.Max(stepsPerEpoch, 1));
        return (float)(Options.Weights.Kl * Math.Min(1.0, progress));
    }

    /// <summary>
    /// One optimizer step on images order[start .. start + count) of <paramref name="data"/> in epoch
    /// <paramref name="epoch"/> (0-based; it keys the noise and dynamic binarization).
    /// Returns the batch's loss terms summed over its images.
    /// </summary>
    public LossBreakdown Step(ImageDataset data, int[] order, int start, int count, int epoch, float klWeight)
    {
        if (count <= 0 || count > Options.BatchSize) throw new ArgumentOutOfRangeException(nameof(count), count, $"a step takes 1 to {Options.BatchSize} images");
        if (start < 0 || start + count > order.Length) throw new ArgumentOutOfRangeException(nameof(start), start, "the batch runs past the end of the order");
        if (data.PixelsPerImage != _model.Config.InputSize)
            throw new ArgumentException($"the data has {data.PixelsPerImage} pixels per image but the model takes {_model.Config.InputSize}", nameof(data));

        if (_transposedStale) RefreshCaches();
        _shards.Prepare(data, order, start, count, epoch, new LossScale(Options.Weights.Reconstruction, klWeight));
        int shards = (count + _shards.ShardRows - 1) / _shards.ShardRows;
        _pool.Run(_shards, shards);
        var loss = _shards.SumLosses(shards);
        if (!double.IsFinite(loss.Total))
            throw new TrainingDivergedException($"the loss became {loss.Total} at epoch {epoch + 1}, step {_step + 1}: training diverged (try a lower learning rate)");

        _optimizer.BeginStep();
        _update.Shards = shards;
        _pool.Run(_update, _update.Blocks);
        _step++;
        return loss;
    }

    /// <summary>
    /// The trainer keeps a transposed copy of the weights for the forward products and updates it with the
    /// parameters. It re-reads the parameters at the start of every epoch and evaluation; code that changes
    /// <see cref="LatentNetwork.Parameters"/> itself between two <see cref="Step"/> calls must call this.
    /// </summary>
    public void InvalidateCaches() => _transposedStale = true;

    private void RefreshCaches()
    {
        _transposed.Refresh(_model.Parameters, _pool);
        _transposedStale = false;
    }

    /// <summary>One pass over <paramref name="data"/> in a fresh seeded order; <paramref name="onStep"/>
    /// (optional) hears after each step how many images are done and the loss so far.</summary>
    public EpochResult TrainEpoch(ImageDataset data, int epoch, Action<int, LossBreakdown>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int[] order = EpochOrder(data.Count, epoch);
        RefreshCaches();
        int stepsPerEpoch = (data.Count + Options.BatchSize - 1) / Options.BatchSize;
        var total = new LossBreakdown();
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < data.Count; start += Options.BatchSize)
        {
            int count = Math.Min(Options.BatchSize, data.Count - start);
            total += Step(data, order, start, count, epoch, CurrentKlWeight(stepsPerEpoch));
            onStep?.Invoke(start + count, total);
        }
        return new EpochResult(epoch + 1, total, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The seeded permutation of epoch <paramref name="epoch"/>.</summary>
    public int[] EpochOrder(int count, int epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        new SeededRandom(Options.Seed * 0x9E3779B97F4A7C15UL + (ulong)epoch).Shuffle(order);
        return order;
    }

    /// <summary>The loss on <paramref name="data"/> with the configured weights (no warm-up), summed over
    /// images. A VAE's z is sampled, with noise keyed by image index so repeated evaluations agree.</summary>
    public LossBreakdown Evaluate(ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.PixelsPerImage != _model.Config.InputSize)
            throw new ArgumentException($"the data has {data.PixelsPerImage} pixels per image but the model takes {_model.Config.InputSize}", nameof(data));
        RefreshCaches();
        _evaluation.Prepare(data, Options.Weights, Options.Seed);
        _pool.Run(_evaluation, _evaluation.Items);
        return _evaluation.Sum();
    }

    /// <summary>Stops the workers and returns every pooled buffer.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        _shards.Dispose();
        _evaluation.Dispose();
    }

    // ------------------------------------------------------------------ the work items

    /// <summary>Forward and backward of one shard into its own gradient buffer.</summary>
    private sealed class ShardWork : IParallelWork, IDisposable
    {
        private readonly LatentNetwork _model;
        private readonly NetworkWorkspace[] _workspaces;
        private readonly Matrix[] _inputs, _noise;
        private readonly LossBreakdown[] _losses;
        private readonly NoiseSource _noiseSource;
        private readonly ulong _binarizeSeed;
        private readonly BinarizationMode _binarize;
        private ImageDataset? _data;
        private int[] _order = [];
        private int _start, _count, _epoch;
        private LossScale _weights;

        public int ShardRows { get; }
        private readonly int[] _rows;

        public NetworkWorkspace Workspace(int shard) => _workspaces[shard];
        public int Rows(int shard) => _rows[shard];
        public ReadOnlyMatrixSpan Input(int shard) => _inputs[shard].AsReadOnlySpan().SliceRows(0, _rows[shard]);

        public ShardWork(LatentNetwork model, int shards, int shardRows, TrainerOptions options, TransposedWeights transposed)
        {
            _model = model;
            ShardRows = shardRows;
            _workspaces = new NetworkWorkspace[shards];
            _inputs = new Matrix[shards];
            _noise = new Matrix[shards];
            _rows = new int[shards];
            _losses = new LossBreakdown[shards];
            for (int s = 0; s < shards; s++)
            {
                _workspaces[s] = model.CreateWorkspace(shardRows);
                _workspaces[s].Transposed = transposed;
                _inputs[s] = new Matrix(shardRows, model.Config.InputSize);
                _noise[s] = new Matrix(shardRows, model.Latent);
            }
            _noiseSource = new NoiseSource(options.Seed);
            _binarizeSeed = options.Seed ^ 0xB1A5ED0000000000UL;
            _binarize = options.Binarize;
        }

        public void Prepare(ImageDataset data, int[] order, int start, int count, int epoch, LossScale weights)
        {
            _data = data; _order = order; _start = start; _count = count; _epoch = epoch; _weights = weights;
        }

        public void Execute(int shard, int worker)
        {
            var data = _data!;
            int first = shard * ShardRows, rows = Math.Min(ShardRows, _count - first);
            _rows[shard] = rows;
            int pixels = data.PixelsPerImage;
            MatrixSpan x = _inputs[shard].AsSpan().SliceRows(0, rows);
            for (int r = 0; r < rows; r++)
            {
                int image = _order[_start + first + r];
                ReadOnlySpan<float> source = data.Pixels.AsSpan(image * pixels, pixels);
                if (_binarize == BinarizationMode.Dynamic) Binarization.Sample(source, x[r], _binarizeSeed, _epoch, image);
                else source.CopyTo(x[r]);
            }
            // Noise is keyed by the image's position in the whole run, not by shard or thread.
            MatrixSpan eps = _noise[shard].AsSpan().SliceRows(0, rows);
            _noiseSource.Fill(eps, (long)_epoch * data.Count + _start + first);
            // Forward and the deltas only: the parameter gradients are formed block by block in the update.
            _losses[shard] = _model.ComputeLossAndDeltas(x, eps, _weights, _workspaces[shard]);
        }

        public LossBreakdown SumLosses(int shards)
        {
            var total = new LossBreakdown();
            for (int s = 0; s < shards; s++) total += _losses[s];
            return total;
        }

        public void Dispose()
        {
            foreach (var w in _workspaces) w.Dispose();
            foreach (var m in _inputs) m.Dispose();
            foreach (var m in _noise) m.Dispose();
        }
    }

    /// <summary>
    /// The second half of backward and the update, one block of parameters per item: a block of weight rows
    /// (or a bias) gets its gradient from every shard's deltas and inputs — shard 0 written, the others added,
    /// always in shard order — into a small per-worker buffer that stays in cache; the optimizer consumes it
    /// there, and the updated rows are written into the transposed-weight cache while still in cache.
    /// No full-size gradient buffer exists, and none is cleared, reduced or read back from memory.
    /// </summary>
    private sealed class GradientAndUpdate : IParallelWork
    {
        private readonly LatentNetwork _model;
        private readonly Optimizer _optimizer;
        private readonly ShardWork _shards;
        private readonly TransposedWeights _transposed;
        private readonly (int Layer, int RowStart, int Rows)[] _blocks;   // Rows == 0: the layer's bias
        private readonly float[][] _scratch;

        public int Shards { get; set; }
        public int Blocks => _blocks.Length;

        public GradientAndUpdate(LatentNetwork model, Optimizer optimizer, ShardWork shards, TransposedWeights transposed, int workers)
        {
            (_model, _optimizer, _shards, _transposed) = (model, optimizer, shards, transposed);
            var blocks = new List<(int, int, int)>();
            int largest = 0, covered = 0;
            for (int l = 0; l < model.Linears.Count; l++)
            {
                var layer = model.Linears[l];
                // Multiples of 8 rows keep the gradient product on full micro-kernel tiles.
                int rowsPerBlock = Math.Max(8, ParameterChunk / layer.InputSize / 8 * 8);
                for (int r = 0; r < layer.OutputSize; r += rowsPerBlock)
                {
                    int rows = Math.Min(rowsPerBlock, layer.OutputSize - r);
                    blocks.Add((l, r, rows));
                    largest = Math.Max(largest, rows * layer.InputSize);
                    covered += rows * layer.InputSize;
                }
                blocks.Add((l, 0, 0));
                largest = Math.Max(largest, layer.OutputSize);
                covered += layer.OutputSize;
            }
            if (covered != model.Parameters.Length) throw new InvalidOperationException("the update blocks do not cover every parameter once");
            _blocks = blocks.ToArray();
            _scratch = Enumerable.Range(0, workers).Select(_ => new float[largest]).ToArray();
        }

        public void Execute(int block, int worker)
        {
            var (l, rowStart, rows) = _blocks[block];
            var layer = _model.Linears[l];
            if (rows == 0)
            {
                Span<float> dBias = _scratch[worker].AsSpan(0, layer.OutputSize);
                for (int s = 0; s < Shards; s++)
                    layer.BackwardBias(_model.LinearDelta(l, _shards.Workspace(s), _shards.Rows(s)), dBias, s == 0 ? GradientUpdate.Overwrite : GradientUpdate.Accumulate);
                _optimizer.Update(layer.Bias.Offset, _model.Parameters.AsSpan(layer.Bias.Offset, layer.OutputSize), dBias);
                return;
            }
            int offset = layer.Weight.Offset + rowStart * layer.InputSize, length = rows * layer.InputSize;
            var dWeight = new MatrixSpan(_scratch[worker].AsSpan(0, length), rows, layer.InputSize);
            for (int s = 0; s < Shards; s++)
            {
                var ws = _shards.Workspace(s);
                int shardRows = _shards.Rows(s);
                layer.BackwardWeightRows(_model.LinearInput(l, _shards.Input(s), ws), _model.LinearDelta(l, ws, shardRows),
                    rowStart, rows, dWeight, s == 0 ? GradientUpdate.Overwrite : GradientUpdate.Accumulate);
            }
            _optimizer.Update(offset, _model.Parameters.AsSpan(offset, length), dWeight.Data);
            _transposed.RefreshRows(layer, rowStart, rows, _model.Parameters);
        }
    }

    /// <summary>The loss of fixed blocks of a dataset, each into its own slot; workspaces are per worker.</summary>
    private sealed class EvaluationWork : IParallelWork, IDisposable
    {
        private readonly LatentNetwork _model;
        private readonly NetworkWorkspace[] _workspaces;
        private readonly Matrix[] _noise;
        private readonly int _rows;
        private LossBreakdown[] _losses = [];
        private ImageDataset? _data;
        private LossScale _weights;
        private NoiseSource _source;

        public int Items { get; private set; }

        public EvaluationWork(LatentNetwork model, int workers, int rows, TransposedWeights transposed)
        {
            _model = model;
            _rows = rows;
            _workspaces = new NetworkWorkspace[workers];
            _noise = new Matrix[workers];
            for (int w = 0; w < workers; w++)
            {
                _workspaces[w] = model.CreateWorkspace(rows);
                _workspaces[w].Transposed = transposed;
                _noise[w] = new Matrix(rows, model.Latent);
            }
        }

        public void Prepare(ImageDataset data, LossScale weights, ulong seed)
        {
            _data = data;
            _weights = weights;
            _source = new NoiseSource(seed ^ 0x7E57000000000000UL);
            Items = (data.Count + _rows - 1) / _rows;
            if (_losses.Length < Items) _losses = new LossBreakdown[Items];
        }

        public void Execute(int item, int worker)
        {
            int start = item * _rows, rows = Math.Min(_rows, _data!.Count - start);
            MatrixSpan eps = _noise[worker].AsSpan().SliceRows(0, rows);
            _source.Fill(eps, start);
            _losses[item] = _model.ComputeLoss(_data.Slice(start, rows), eps, _weights, _workspaces[worker]);
        }

        public LossBreakdown Sum()
        {
            var total = new LossBreakdown();
            for (int i = 0; i < Items; i++) total += _losses[i];
            return total;
        }

        public void Dispose()
        {
            foreach (var w in _workspaces) w.Dispose();
            foreach (var m in _noise) m.Dispose();
        }
    }
}
