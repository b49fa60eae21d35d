using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Tensors;

namespace Vae.Simd.Training;

/// <summary>
/// The fast training step, equal to <see cref="ReferenceStep"/> bit for bit (a property test proves it) and shared out
/// among a pool's threads in two phases:
/// <list type="number">
/// <item>the batch is cut into fixed shards; workers take shards and run each one's forward pass and deltas;</item>
/// <item>per block of weight rows (or a bias), the gradient is summed over all shards in shard order into a small
/// per-worker buffer that stays in cache, the optimizer consumes it there, and the updated rows are written into the
/// network's transposed weights while still in cache.</item>
/// </list>
/// No full-size gradient buffer exists, and none is cleared, reduced or read back from memory. It equals the reference
/// because a product's element is one fused multiply-add chain over the batch rows in order, which phase 2 continues
/// from shard to shard; which worker runs what never matters, so results do not depend on the thread count either.
/// </summary>
internal sealed class FusedStep : IStepRunner
{
    /// <summary>Rows of a weight block that phase 2 aims for: each block's product passes once over every shard's inputs, so fewer,
    /// taller blocks pass fewer times (benchmarks/RESULTS.md: 96 rows ran phase 2 1.1–1.25× faster than 18 on Zen 3).</summary>
    internal const int TargetBlockRows = 96;

    /// <summary>Most floats in a block's gradient buffer, which the optimizer then reads: 384 KB, within a core's L2.</summary>
    internal const int MaxBlockFloats = 96 * 1024;

    private readonly ITrainingProblem _problem;
    private readonly Optimizer _optimizer;
    private readonly WorkerPool _pool;
    private readonly ShardPhase _shards;
    private readonly UpdatePhase _update;

    /// <summary>Steps over batches of up to <paramref name="batchSize"/> rows, in shards of at most <paramref name="shardRows"/>.</summary>
    public FusedStep(ITrainingProblem problem, Optimizer optimizer, int batchSize, int shardRows, WorkerPool pool)
    {
        (_problem, _optimizer, _pool) = (problem, optimizer, pool);
        shardRows = Math.Min(shardRows, batchSize);
        _shards = new ShardPhase(problem, (batchSize + shardRows - 1) / shardRows, shardRows);
        _update = new UpdatePhase(problem.Network, optimizer, _shards, pool.Threads);
    }

    public LossBreakdown Step(in BatchContext batch)
    {
        _shards.Batch = batch;
        int shards = (batch.Count + _shards.ShardRows - 1) / _shards.ShardRows;
        _pool.Run(_shards, shards);
        var loss = _shards.SumLosses(shards);
        TrainingDivergedException.ThrowIfNotFinite(loss, batch.Epoch, _optimizer.Steps + 1);

        _optimizer.BeginStep();
        _update.Shards = shards;
        _pool.Run(_update, _update.Blocks);
        return loss;
    }

    public void Dispose() => _shards.Dispose();

    /// <summary>
    /// Phase 2's work items: each layer's weight in blocks of rows (Rows &gt; 0), its bias (Rows == 0), and each parameter
    /// vector (Layer ≥ Linears.Count). Together they cover every parameter once. They are ordered longest first: an item's
    /// product and optimizer both cost in proportion to its length, and the pool hands items out in order, so the last ones
    /// (biases, the narrow layers' blocks) are short and the workers finish the phase close together. Blocks are independent,
    /// so the order never changes a result.
    /// </summary>
    internal static (int Layer, int RowStart, int Rows)[] PlanUpdateBlocks(Network network)
    {
        var blocks = new List<(int, int, int)>();
        for (int l = 0; l < network.Linears.Count; l++)
        {
            var layer = network.Linears[l];
            int rowsPerBlock = BlockRows(layer.InputSize);
            for (int r = 0; r < layer.OutputSize; r += rowsPerBlock)
                blocks.Add((l, r, Math.Min(rowsPerBlock, layer.OutputSize - r)));
            blocks.Add((l, 0, 0));
        }
        for (int v = 0; v < network.Vectors.Count; v++) blocks.Add((network.Linears.Count + v, 0, 0));
        // A stable sort: blocks of equal length keep the layer order.
        var plan = blocks.OrderByDescending(b => BlockLength(network, b)).ToArray();
        if (plan.Sum(b => (long)BlockLength(network, b)) != network.Parameters.Length)
            throw new InvalidOperationException("the update blocks do not cover every parameter once");
        return plan;
    }

    /// <summary>
    /// Rows per weight block for a layer of <paramref name="inputs"/> inputs: a multiple of the micro-kernel's row count, so the
    /// gradient product runs on full tiles (on the 6-row AVX2 kernel, blocks of 18 rows ran 1.2× faster than of 16), and of 16,
    /// so each block writes whole 64-byte lines of a Wᵀ whose rows are whole lines and no two threads share one; near
    /// <see cref="TargetBlockRows"/>, fewer if the block's gradient would outgrow <see cref="MaxBlockFloats"/>. A layer so wide
    /// that even one such multiple would outgrow it gets blocks of whole tiles only, so its per-worker buffer stays small.
    /// </summary>
    internal static int BlockRows(int inputs)
    {
        int tile = GemmPaths.BestRowTile, multiple = LeastCommonMultiple(tile, 16);
        if ((long)multiple * inputs > MaxBlockFloats) return Math.Max(tile, MaxBlockFloats / inputs / tile * tile);
        int rows = Math.Max(1, TargetBlockRows / multiple) * multiple;
        while (rows > multiple && (long)rows * inputs > MaxBlockFloats) rows -= multiple;
        return rows;
    }

    private static int LeastCommonMultiple(int a, int b)
    {
        int x = a, y = b;
        while (y != 0) (x, y) = (y, x % y);
        return a / x * b;
    }

    /// <summary>How many parameters a block of <see cref="PlanUpdateBlocks"/> updates.</summary>
    internal static int BlockLength(Network network, (int Layer, int RowStart, int Rows) block)
    {
        if (block.Layer >= network.Linears.Count) return network.Vectors[block.Layer - network.Linears.Count].Length;
        var layer = network.Linears[block.Layer];
        return block.Rows == 0 ? layer.OutputSize : block.Rows * layer.InputSize;
    }

    /// <summary>Phase 1: each shard's rows, forward pass and deltas, into the shard's own buffers.</summary>
    private sealed class ShardPhase : IParallelWork, IDisposable
    {
        private readonly IShard[] _shards;
        private readonly int[] _rows;
        private readonly LossBreakdown[] _losses;

        public int ShardRows { get; }
        public BatchContext Batch { get; set; }

        public ShardPhase(ITrainingProblem problem, int shards, int shardRows)
        {
            ShardRows = shardRows;
            _shards = new IShard[shards];
            for (int s = 0; s < shards; s++) _shards[s] = problem.CreateShard(shardRows);
            _rows = new int[shards];
            _losses = new LossBreakdown[shards];
        }

        public IShard this[int shard] => _shards[shard];

        public void Execute(int shard, int worker)
        {
            int first = shard * ShardRows;
            _rows[shard] = Math.Min(ShardRows, Batch.Count - first);
            _losses[shard] = _shards[shard].Run(Batch, first, _rows[shard]);
        }

        public LossBreakdown SumLosses(int shards)
        {
            var total = new LossBreakdown();
            for (int s = 0; s < shards; s++) total += _losses[s];
            return total;
        }

        public void Dispose()
        {
            foreach (var shard in _shards) shard.Dispose();
        }
    }

    /// <summary>Phase 2: one block of parameters per item — its gradient over every shard, the optimizer, the Wᵀ refresh.</summary>
    private sealed class UpdatePhase : IParallelWork
    {
        private readonly Network _network;
        private readonly Optimizer _optimizer;
        private readonly ShardPhase _shards;
        private readonly (int Layer, int RowStart, int Rows)[] _blocks;   // Rows == 0: the layer's bias; Layer ≥ Linears.Count: a vector
        private readonly float[][] _scratch;

        public int Shards { get; set; }
        public int Blocks => _blocks.Length;

        public UpdatePhase(Network network, Optimizer optimizer, ShardPhase shards, int workers)
        {
            (_network, _optimizer, _shards) = (network, optimizer, shards);
            _blocks = PlanUpdateBlocks(network);
            int largest = _blocks.Max(b => BlockLength(network, b));
            _scratch = Enumerable.Range(0, workers).Select(_ => new float[largest]).ToArray();
        }

        public void Execute(int block, int worker)
        {
            var (l, rowStart, rows) = _blocks[block];
            if (l >= _network.Linears.Count)
            {
                // A parameter vector: column sums of each shard's per-row matrix, in shard order, as for a bias.
                int v = l - _network.Linears.Count;
                var tensor = _network.Vectors[v];
                Span<float> dVector = _scratch[worker].AsSpan(0, tensor.Length);
                for (int s = 0; s < Shards; s++)
                {
                    if (s == 0) Gemm.ColumnSums(_shards[s].VectorDelta(v), dVector);
                    else Gemm.AccumulateColumnSums(_shards[s].VectorDelta(v), dVector);
                }
                _optimizer.Update(tensor.Offset, _network.Parameters.AsSpan(tensor.Offset, tensor.Length), dVector);
                _network.ProjectVector(v);
                return;
            }
            var layer = _network.Linears[l];
            if (rows == 0)
            {
                Span<float> dBias = _scratch[worker].AsSpan(0, layer.OutputSize);
                for (int s = 0; s < Shards; s++)
                    layer.BackwardBias(_shards[s].LayerDelta(l), dBias, s == 0 ? GradientUpdate.Overwrite : GradientUpdate.Accumulate);
                _optimizer.Update(layer.Bias.Offset, _network.Parameters.AsSpan(layer.Bias.Offset, layer.OutputSize), dBias);
                return;
            }
            int offset = layer.Weight.Offset + rowStart * layer.InputSize, length = rows * layer.InputSize;
            var dWeight = new MatrixSpan(_scratch[worker].AsSpan(0, length), rows, layer.InputSize);
            for (int s = 0; s < Shards; s++)
                layer.BackwardWeightRows(_shards[s].LayerInput(l), _shards[s].LayerDelta(l), rowStart, rows, dWeight,
                    s == 0 ? GradientUpdate.Overwrite : GradientUpdate.Accumulate);
            _optimizer.Update(offset, _network.Parameters.AsSpan(offset, length), dWeight.Data);
            _network.Transposed.RefreshRows(layer, rowStart, rows, _network.Parameters);
        }
    }
}
