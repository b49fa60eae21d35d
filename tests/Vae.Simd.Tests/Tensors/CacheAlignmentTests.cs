using Vae.Simd.Common;
using Vae.Simd.Data;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Training;

namespace Vae.Simd.Tests.Tensors;

/// <summary>The matrices the GEMM reads in place start on 64-byte cache lines, whatever their sizes (a misaligned row costs the
/// micro-kernel 8–10 %, and nothing else would notice the loss).</summary>
public unsafe class CacheAlignmentTests
{
    private static bool OnCacheLine(ReadOnlySpan<float> span)
    {
        fixed (float* p = span) return ((nint)p & 63) == 0;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(100_003)]
    public void An_aligned_buffer_starts_on_a_line_and_is_zeroed(int length)
    {
        // Several in a row: the pinned heap places consecutive arrays at different offsets within a line.
        for (int i = 0; i < 8; i++)
        {
            var buffer = new CacheAlignedFloats(length);
            Assert.Equal(length, buffer.Span.Length);
            Assert.True(((nint)buffer.Pointer & 63) == 0, $"buffer {i} of {length} floats starts at offset {(nint)buffer.Pointer & 63} in its line");
            Assert.True(buffer.Span.IndexOfAnyExcept(0f) < 0);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new CacheAlignedFloats(-1));
    }

    [Fact]
    public void Every_workspace_buffer_starts_on_a_line_whatever_its_width()
    {
        using var workspace = new Workspace(maxRows: 7);
        int[] widths = [1, 3, 13, 784, 20, 5];
        var slots = widths.Select(workspace.Declare).ToArray();
        workspace.Allocate();
        foreach (var (slot, width) in slots.Zip(widths))
        {
            Assert.True(OnCacheLine(workspace.View(slot, 7).Data), $"the {width}-wide buffer is not aligned");
            Assert.True(OnCacheLine(workspace.View(slot, 2).Data), $"a 2-row view of the {width}-wide buffer is not aligned");
        }
    }

    [Fact]
    public void Every_transposed_weight_matrix_starts_on_a_line_in_both_precisions()
    {
        var layout = new ParameterLayout();
        Linear[] layers = [new Linear(layout, "a", 7, 3), new Linear(layout, "b", 3, 11), new Linear(layout, "c", 11, 20), new Linear(layout, "d", 20, 5)];
        var exact = new TransposedWeights(layers);
        var rounded = new TransposedWeights(layers, InferencePrecision.BFloat16);
        foreach (var layer in layers)
        {
            Assert.True(OnCacheLine(exact.For(layer).Data), $"Wᵀ of {layer.InputSize}→{layer.OutputSize}");
            Assert.True(OnCacheLine(rounded.For(layer).Data), $"bfloat16 Wᵀ of {layer.InputSize}→{layer.OutputSize}");
        }
    }

    [Fact]
    public void A_training_shard_gathers_its_rows_into_an_aligned_buffer()
    {
        // 13 features: a row width that is not a whole number of lines.
        var network = LatentNetwork.Create(new ModelConfig { InputSize = 13, Hidden = [6], Latent = 2 }, 1);
        var random = new SeededRandom(2);
        var data = Dataset.FromArray(Enumerable.Range(0, 10 * 13).Select(_ => random.NextSingle()).ToArray(), 13);
        using var shard = new LatentProblem(network, data, 3, BinarizationMode.None).CreateShard(5);
        shard.Run(new BatchContext(Enumerable.Range(0, 10).ToArray(), 0, 5, 0, new LossScale(1, 1)), 0, 5);
        var input = shard.LayerInput(0);
        Assert.Equal(5, input.Rows);
        Assert.Equal(data.Values.AsSpan(0, 13).ToArray(), input[0].ToArray());
        Assert.True(OnCacheLine(input.Data));
    }
}
