using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Training;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// `step-pieces [rounds=15]`: the fused step's phase-2 work outside the GEMM, one thread, on the canonical VAE's 652,824
/// parameters in the blocks phase 2 uses: Adam on each block (its gradient in a small buffer, warm, as phase 2 leaves it),
/// the Wᵀ refresh of each weight block, both in phase 2's order, and the refresh in blocks of whole 8×8 transposes; then the
/// whole of phase 2 for each large layer in blocks of several heights. Prints the median ns per parameter over alternated
/// rounds. To measure a change, run it in the parent's checkout and in this one, process after process.
/// </summary>
public static class StepPieces
{
    public static void Run(int rounds)
    {
        var network = LatentNetwork.Create(new ModelConfig(), 1);
        var blocks = FusedStep.PlanUpdateBlocks(network);
        var adam = new Adam(network.Parameters.Length);
        var gradient = new float[blocks.Max(b => FusedStep.BlockLength(network, b))];
        var random = new SeededRandom(2);
        for (int i = 0; i < gradient.Length; i++) gradient[i] = random.NextUniform(-1e-3f, 1e-3f);

        void Optimize((int Layer, int RowStart, int Rows) block)
        {
            var (offset, length) = Extent(network, block);
            adam.Update(offset, network.Parameters.AsSpan(offset, length), gradient.AsSpan(0, length));
        }
        void Refresh((int Layer, int RowStart, int Rows) block)
        {
            if (block.Layer < network.Linears.Count && block.Rows > 0)
                network.Transposed.RefreshRows(network.Linears[block.Layer], block.RowStart, block.Rows, network.Parameters);
        }
        var pieces = new (string Name, Action Run)[]
        {
            ("Adam", () => { adam.BeginStep(); foreach (var b in blocks) Optimize(b); }),
            ("Wᵀ refresh", () => { foreach (var b in blocks) Refresh(b); }),
            ("Adam, then Wᵀ refresh, per block", () => { adam.BeginStep(); foreach (var b in blocks) { Optimize(b); Refresh(b); } }),
            // The same refresh in the blocks of 16K parameters rounded to whole 8×8 transposes (16 and 40 rows), for comparison.
            ("Wᵀ refresh, 8-row multiples", () => { foreach (var b in EightRowBlocks(network)) Refresh(b); }),
        };
        var (rates, _) = Alternation.Run(pieces.Select(p => p.Run).ToArray(), pieces.Select(_ => (double)network.Parameters.Length).ToArray(), rounds, 0.05);
        Console.WriteLine($"{network.Parameters.Length:N0} parameters in {blocks.Length} phase-2 blocks, one thread, median of {rounds} rounds:");
        for (int i = 0; i < pieces.Length; i++) Console.WriteLine($"  {pieces[i].Name,-34} {1 / rates[i]:F3} ns per parameter");
        BlockHeights(network, adam, rounds);
    }

    private static IEnumerable<(int Layer, int RowStart, int Rows)> EightRowBlocks(Layers.Network network)
    {
        for (int l = 0; l < network.Linears.Count; l++)
        {
            var layer = network.Linears[l];
            int rowsPerBlock = Math.Max(8, 16 * 1024 / layer.InputSize / 8 * 8);
            for (int r = 0; r < layer.OutputSize; r += rowsPerBlock) yield return (l, r, Math.Min(rowsPerBlock, layer.OutputSize - r));
        }
    }

    private static (int Offset, int Length) Extent(Layers.Network network, (int Layer, int RowStart, int Rows) block)
    {
        int length = FusedStep.BlockLength(network, block);
        if (block.Layer >= network.Linears.Count) return (network.Vectors[block.Layer - network.Linears.Count].Offset, length);
        var layer = network.Linears[block.Layer];
        return (block.Rows == 0 ? layer.Bias.Offset : layer.Weight.Offset + block.RowStart * layer.InputSize, length);
    }
    /// <summary>
    /// Phase 2 of one large layer (its dW over two 64-row shards, Adam, the Wᵀ refresh) in blocks of several heights: the
    /// rule before (16K parameters in multiples of the kernel's rows: 18 and 36 rows on AVX2), 48 rows, what
    /// <see cref="FusedStep.BlockRows"/> picks, and 144 rows. Median per-round ratio of the first's time to each.
    /// </summary>
    private static void BlockHeights(Layers.Network network, Adam adam, int rounds)
    {
        var random = new SeededRandom(3);
        const int shard = 64;
        foreach (var layer in new[] { network.Linears[0], network.Linears[^1] })
        {
            int tile = GemmPaths.BestRowTile, before = Math.Max(tile, 16 * 1024 / layer.InputSize / tile * tile);
            int[] sizes = [before, 48, FusedStep.BlockRows(layer.InputSize), 144];
            var x = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, shard * layer.InputSize).Select(_ => random.NextUniform(0, 1)).ToArray()).ToArray();
            var dy = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, shard * layer.OutputSize).Select(_ => random.NextUniform(-1e-3f, 1e-3f)).ToArray()).ToArray();
            var scratch = new float[sizes.Max() * layer.InputSize];
            var runs = sizes.Select(rowsPerBlock => (Action)(() =>
            {
                adam.BeginStep();
                for (int r = 0; r < layer.OutputSize; r += rowsPerBlock)
                {
                    int rows = Math.Min(rowsPerBlock, layer.OutputSize - r);
                    var dW = new Tensors.MatrixSpan(scratch.AsSpan(0, rows * layer.InputSize), rows, layer.InputSize);
                    for (int s = 0; s < 2; s++)
                        layer.BackwardWeightRows(new(x[s], shard, layer.InputSize), new(dy[s], shard, layer.OutputSize), r, rows, dW,
                            s == 0 ? Layers.GradientUpdate.Overwrite : Layers.GradientUpdate.Accumulate);
                    int offset = layer.Weight.Offset + r * layer.InputSize;
                    adam.Update(offset, network.Parameters.AsSpan(offset, rows * layer.InputSize), dW.Data);
                    network.Transposed.RefreshRows(layer, r, rows, network.Parameters);
                }
            })).ToArray();
            var (rates, ratios) = Alternation.Run(runs, sizes.Select(_ => (double)layer.Weight.Length).ToArray(), rounds, 0.05);
            for (int i = 0; i < runs.Length; i++)
                Console.WriteLine($"  layer {layer.InputSize}→{layer.OutputSize}, phase 2 in {sizes[i],3}-row blocks: {1 / rates[i]:F3} ns per weight; {sizes[0]}-row time / this: {ratios[i]:F3}");
        }
    }
}
