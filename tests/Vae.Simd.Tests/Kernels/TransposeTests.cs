using Vae.Simd.Common;
using FsCheck.Fluent;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Kernels;

public class TransposeTests
{
    [Fact]
    public void Transpose_matches_its_definition_for_any_shape_and_pitch()
    {
        var cases = from rows in Properties.Size(70) from cols in Properties.Size(70) from p1 in Properties.Pitch from p2 in Properties.Pitch from seed in Properties.Seed select (rows, cols, p1, p2, seed);
        Properties.Check(cases, c =>
        {
            var random = new SeededRandom((ulong)c.seed);
            var source = new StridedMatrix(c.rows, c.cols, c.p1, random);
            var destination = new StridedMatrix(c.cols, c.rows, c.p2, random);
            Transpose.Apply(source.ReadOnly, destination.Span);
            for (int r = 0; r < c.rows; r++)
                for (int k = 0; k < c.cols; k++)
                    Assert.Equal(source[r, k], destination[k, r]);
            Assert.True(destination.GapsUntouched());
        });
    }

    /// <summary>The 256-bit path where AVX runs, the 128-bit one where SSE or AdvSimd runs, and the scalar one, on this machine.</summary>
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string> { "scalar" };
        if (Transpose.Is128BitSupported) data.Add("128-bit");
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported) data.Add("256-bit");
        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Transposing_a_range_of_rows_writes_exactly_their_columns(string path)
    {
        // The training step's update blocks each refresh their own rows of Wᵀ, on different threads: a block may not
        // touch a column outside its rows, and its ragged ends (18 or 36 rows, widths that are not multiples of 8) must be
        // right, whichever way the kernel covers them.
        var cases = from rows in Properties.Size(70) from cols in Properties.Size(70) from startPick in Gen.Choose(0, 1000)
                    from countPick in Gen.Choose(0, 1000) from p1 in Properties.Pitch from p2 in Properties.Pitch
                    from seed in Properties.Seed select (rows, cols, startPick, countPick, p1, p2, seed);
        Properties.Check(cases, c =>
        {
            int start = c.startPick % (c.rows + 1), count = c.countPick % (c.rows - start + 1);
            var random = new SeededRandom((ulong)c.seed);
            var source = new StridedMatrix(c.rows, c.cols, c.p1, random);
            var destination = new StridedMatrix(c.cols, c.rows, c.p2, random);
            var before = (float[])destination.Data.Clone();
            Transpose.Rows(source.ReadOnly, destination.Span, start, count, avx: path == "256-bit", vector128: path != "scalar");
            for (int k = 0; k < c.cols; k++)
                for (int r = 0; r < c.rows; r++)
                {
                    int index = k * destination.Stride + r;
                    if (r >= start && r < start + count) Assert.Equal(source[r, k], destination[k, r]);
                    else Assert.Equal(before[index], destination.Data[index]);
                }
            Assert.True(destination.GapsUntouched());
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(37)]
    public void A_forward_through_cached_transposed_weights_is_bitwise_the_packed_forward_for_any_batch(int rows)
    {
        var layout = new ParameterLayout();
        var layer = new Linear(layout, "l", 131, 77);
        var parameters = new float[layout.Count];
        layer.Initialize(parameters, new SeededRandom(3));
        var cache = new TransposedWeights([layer]);
        cache.Refresh(parameters, null);
        var random = new SeededRandom(4);
        var x = Enumerable.Range(0, rows * 131).Select(_ => random.NextUniform(-1, 1)).ToArray();
        float[] packed = new float[rows * 77], cached = new float[rows * 77], alone = new float[rows * 77];
        Gemm.LinearForward(new ReadOnlyMatrixSpan(x, rows, 131), layer.WeightSpan((ReadOnlySpan<float>)parameters), parameters.AsSpan(layer.Bias.Offset, 77), new MatrixSpan(packed, rows, 77));
        layer.Forward(parameters, new ReadOnlyMatrixSpan(x, rows, 131), new MatrixSpan(cached, rows, 77), cache);
        // Each row alone (batch 1 runs the GEMV kernel): a row's output must not depend on the rows computed with it.
        for (int r = 0; r < rows; r++)
            layer.Forward(parameters, new ReadOnlyMatrixSpan(x.AsSpan(r * 131, 131), 1, 131), new MatrixSpan(alone.AsSpan(r * 77, 77), 1, 77), cache);
        Assert.Equal(packed, cached);
        Assert.Equal(packed, alone);
    }
}
