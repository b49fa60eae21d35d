using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Kernels;

public class Int8Tests
{
    // Up to 15 rows: VNNI takes four rows at a time, so cases hold no tile, one, several, and tiles with rows left over.
    private static readonly FsCheck.Gen<Properties.GemvCase> Cases = Properties.GemvCases(maxRows: 15, maxK: 900, maxN: 300, columnStep: 13);

    private static float[] Fill(SeededRandom random, int n, float scale = 1f)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = scale * random.NextUniform(-1, 1);
        return values;
    }

    /// <summary>
    /// Rows of activations of every kind the kernels treat apart: signed (stored with 128 added), non-negative and dense
    /// (stored as they are), non-negative with runs of zeros (quads a tile of four such rows skips, as on MNIST's images), and
    /// all zero. Each row draws its kind, so four-row tiles come mixed and pure.
    /// </summary>
    private static float[] MixedRows(SeededRandom random, int rows, int k, float scale)
    {
        var x = new float[rows * k];
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * k, k);
            int kind = random.NextInt(4);
            for (int i = 0; i < k; i++) row[i] = kind == 0 ? scale * random.NextUniform(-1, 1) : scale * random.NextSingle();
            if (kind == 2)
                for (int i = 0; i < k;)
                {
                    int run = 1 + random.NextInt(12);
                    if (random.NextInt(3) != 0) row.Slice(i, Math.Min(run, k - i)).Clear();
                    i += run;
                }
            if (kind == 3) row.Clear();
        }
        return x;
    }

    private static (uint[] Words, float[] Scales, int[] Sums) Quantize(float[] wt, int k, int n)
    {
        var words = new uint[Int8Columns.QuadRows(k) * n];
        var scales = new float[n];
        var sums = new int[n];
        GemvInt8.QuantizeColumns(wt, k, n, words, scales, sums);
        return (words, scales, sums);
    }

    /// <summary>The product from its definition: each row's aᵢ = round(xᵢ · 127 / max|x|), the sum Σ aᵢ·q(i, j) in 64-bit
    /// signed integers (no offset bytes), then b + (sₓ·scale)·sum in float32, one multiply and one add.</summary>
    private static void Reference(float[] x, int rows, int k, Int8Columns w, float[] bias, float[] y, int col0, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            float largest = 0f;
            for (int i = 0; i < k; i++) largest = Math.Max(largest, Math.Abs(x[r * k + i]));
            float inverse = largest == 0f ? 0f : 127f / largest, sx = largest / 127f;
            for (int j = col0; j < col0 + cols; j++)
            {
                long sum = 0;
                for (int i = 0; i < k; i++) sum += (long)Math.Round(x[r * k + i] * inverse, MidpointRounding.ToEven) * w.Quantized(i, j);
                float factor = sx * w.Scales[j];
                y[r * w.Columns + j] = factor * (float)sum + bias[j];
            }
        }
    }

    [Fact]
    public void Quantized_weights_are_the_nearest_multiples_of_each_column_s_scale_and_its_sums_add_up()
    {
        Properties.Check(Cases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            float[] wt = Fill(random, c.K * c.N, 0.3f);
            if (c.N > 1) for (int i = 0; i < c.K; i++) wt[i * c.N + 1] = 0f; // a column of zeros
            var (words, scales, sums) = Quantize(wt, c.K, c.N);
            var w = new Int8Columns(words, scales, sums, c.K, c.N, c.N);
            for (int j = 0; j < c.N; j++)
            {
                float largest = 0f;
                int sum = 0, extreme = 0;
                for (int i = 0; i < c.K; i++) largest = Math.Max(largest, Math.Abs(wt[i * c.N + j]));
                Assert.Equal(largest / 127f, scales[j]);
                for (int i = 0; i < c.K; i++)
                {
                    int q = w.Quantized(i, j);
                    Assert.InRange(q, -127, 127);
                    // Within half a step of the weight (and the float32 roundings of 127 / largest and of the product).
                    Assert.True(Math.Abs(q * (double)scales[j] - wt[i * c.N + j]) <= 0.5001 * scales[j], $"q({i}, {j}) = {q} for {wt[i * c.N + j]}, scale {scales[j]}");
                    sum += q;
                    extreme = Math.Max(extreme, Math.Abs(q));
                }
                Assert.Equal(sum, sums[j]);
                Assert.Equal(largest == 0f ? 0 : 127, extreme);
            }
            // Past the last row, the bytes of the last word are zero.
            for (int i = c.K; i < Int8Columns.QuadRows(c.K) * 4; i++)
                for (int j = 0; j < c.N; j++) Assert.Equal(0, w.Quantized(i, j));
        });
    }

    [Fact]
    public void The_int8_product_equals_its_definition_bit_for_bit_on_every_kernel()
    {
        Properties.Check(Cases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            float[] x = MixedRows(random, c.Rows, c.K, 3f), bias = Fill(random, c.N), wt = Fill(random, c.K * c.N, 0.2f);
            var (words, scales, sums) = Quantize(wt, c.K, c.N);
            var w = new Int8Columns(words, scales, sums, c.K, c.N, c.N);
            float[] expected = Fill(random, c.Rows * c.N);
            Reference(x, c.Rows, c.K, w, bias, expected, c.Col0, c.Cols);
            var slice = w.SliceColumns(c.Col0, c.Cols);
            foreach (var kernel in Kernels)
            {
                // Columns outside [col0, col0 + cols) hold what expected holds and must stay so; those inside must be written.
                var actual = (float[])expected.Clone();
                for (int r = 0; r < c.Rows; r++) Array.Fill(actual, -7f, r * c.N + c.Col0, c.Cols);
                GemvInt8.Forward(new ReadOnlyMatrixSpan(x, c.Rows, c.K), slice, bias.AsSpan(c.Col0, c.Cols), new MatrixSpan(actual.AsSpan(c.Col0), c.Rows, c.Cols, c.N), kernel);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"the {kernel} kernel differs from the definition");
            }
        });
    }

    /// <summary>Every int8 kernel this processor runs (VNNI and AVX2 on x86 with AVX-VNNI, the portable one everywhere).</summary>
    private static IEnumerable<Int8Kernel> Kernels => Enum.GetValues<Int8Kernel>().Where(GemvInt8.IsSupported);

    [Fact]
    public void The_best_kernel_is_one_this_processor_runs_and_an_unsupported_one_is_refused()
    {
        Assert.True(GemvInt8.IsSupported(GemvInt8.Best));
        Assert.True(GemvInt8.IsSupported(Int8Kernel.Portable));
        foreach (var kernel in Enum.GetValues<Int8Kernel>().Where(k => !GemvInt8.IsSupported(k)))
            Assert.Throws<PlatformNotSupportedException>(() => GemvInt8.Forward(new ReadOnlyMatrixSpan(new float[4], 1, 4),
                new Int8Columns(new uint[1], new float[1], new int[1], 4, 1, 1), new float[1], new MatrixSpan(new float[1], 1, 1), kernel));
    }

    [Fact]
    public void Activations_are_quantized_to_the_nearest_step_plus_an_offset_that_is_0_only_for_rows_without_negative_steps()
    {
        Properties.Check(Cases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            float[] x = MixedRows(random, 1, c.K, 5f);
            var quads = new uint[Int8Columns.QuadRows(c.K)];
            Array.Fill(quads, 0xDEADBEEFu); // every byte is written
            float sx = GemvInt8.QuantizeRow(x, quads, out int offset);
            Assert.Equal(x.Max(Math.Abs) / 127f, sx);
            bool negative = false;
            for (int i = 0; i < quads.Length * 4; i++)
            {
                int a = (int)((quads[i / 4] >> (8 * (i % 4))) & 0xFF) - offset;
                negative |= a < 0;
                if (i >= c.K) { Assert.Equal(0, a); continue; }
                Assert.InRange(a, -127, 127);
                Assert.True(Math.Abs(a * (double)sx - x[i]) <= 0.5001 * sx, $"a[{i}] = {a} for {x[i]}, scale {sx}");
            }
            // Offset 0 exactly when no step is negative: a zero is then a zero byte.
            float largest = x.Max(Math.Abs), inverse = largest == 0f ? 0f : 127f / largest;
            Assert.Equal(x.Any(v => MathF.Round(v * inverse) < 0) ? 128 : 0, offset);
            Assert.False(negative && offset == 0);
        });
        Assert.Equal(0f, GemvInt8.QuantizeRow(new float[9], new uint[3], out int zeros));
        Assert.Equal(0, zeros);
        // −0.4 is a zero step (offset 0); −0.6 is not (offset 128), on the vector path and the scalar tail alike.
        foreach (int at in new[] { 3, 20 })
        {
            float[] nearZero = [.. Enumerable.Range(0, 21).Select(i => (float)(i % 5))];
            nearZero[at] = -0.4f * 4f / 127f;
            Assert.Equal(4f / 127f, GemvInt8.QuantizeRow(nearZero, new uint[6], out int kept));
            Assert.Equal(0, kept);
            nearZero[at] = -0.6f * 4f / 127f;
            GemvInt8.QuantizeRow(nearZero, new uint[6], out int added);
            Assert.Equal(128, added);
        }
        // Ties go to even on every path: with 127 the largest magnitude the step is exactly 1, so ±(n + ½) are ties. 37 values:
        // two 16-wide vectors and a scalar tail.
        float[] ties = [127f, .. Enumerable.Range(0, 36).Select(i => (i % 2 == 0 ? 1 : -1) * (i / 2 + 0.5f))];
        var tieQuads = new uint[Int8Columns.QuadRows(ties.Length)];
        Assert.Equal(1f, GemvInt8.QuantizeRow(ties, tieQuads, out _));
        for (int i = 0; i < ties.Length; i++)
            Assert.Equal((int)Math.Round(ties[i], MidpointRounding.ToEven), (int)((tieQuads[i / 4] >> (8 * (i % 4))) & 0xFF) - 128);
        // Magnitudes so small that 127 / max overflows quantize as zeros, on the vector and the scalar path alike.
        var tiny = new uint[5];
        Assert.Equal(0f, GemvInt8.QuantizeRow(Enumerable.Repeat(float.Epsilon, 17).ToArray(), tiny, out _));
        Assert.All(tiny, word => Assert.Equal(0u, word));
        Assert.True(float.IsNaN(GemvInt8.QuantizeRow([1f, float.NaN, 2f], new uint[1], out _)));
        Assert.True(float.IsNaN(GemvInt8.QuantizeRow([1f, float.PositiveInfinity], new uint[1], out _)));
    }

    [Fact]
    public void A_row_that_is_not_finite_gives_NaN_and_leaves_the_other_rows_alone()
    {
        var random = new SeededRandom(3);
        float[] x = Fill(random, 3 * 20), bias = Fill(random, 30), wt = Fill(random, 20 * 30);
        var (words, scales, sums) = Quantize(wt, 20, 30);
        var w = new Int8Columns(words, scales, sums, 20, 30, 30);
        float[] clean = new float[90], dirty = new float[90];
        GemvInt8.Forward(new ReadOnlyMatrixSpan(x, 3, 20), w, bias, new MatrixSpan(clean, 3, 30));
        x[25] = float.NaN;
        GemvInt8.Forward(new ReadOnlyMatrixSpan(x, 3, 20), w, bias, new MatrixSpan(dirty, 3, 30));
        Assert.All(dirty.AsSpan(30, 30).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(clean.AsSpan(0, 30).ToArray(), dirty.AsSpan(0, 30).ToArray());
        Assert.Equal(clean.AsSpan(60, 30).ToArray(), dirty.AsSpan(60, 30).ToArray());
    }

    [Fact]
    public void A_column_of_subnormal_weights_quantizes_to_zeros_with_scale_zero()
    {
        var wt = new float[] { float.Epsilon, 1f, -float.Epsilon, 2f };
        var (words, scales, sums) = Quantize(wt, 2, 2);
        var w = new Int8Columns(words, scales, sums, 2, 2, 2);
        Assert.Equal(0f, scales[0]);
        Assert.Equal(0, w.Quantized(0, 0));
        Assert.Equal(0, w.Quantized(1, 0));
        Assert.Equal(127, w.Quantized(1, 1));
    }

    [Fact]
    public void Weights_that_are_not_finite_are_refused_by_name()
    {
        var wt = new float[] { 1f, 2f, float.NaN, 4f };
        var e = Assert.Throws<ArgumentException>(() => Quantize(wt, 2, 2));
        Assert.Contains("not finite", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(37)]
    public void A_layer_reading_int8_weights_gives_each_row_the_same_bits_in_any_batch_and_on_any_thread_count(int rows)
    {
        // 401 inputs (a ragged last quad) × 300 outputs: large enough for the two-thread split at 37 rows.
        var (layer, parameters, exact, quantized) = LayerCopies.Make(401, 300, InferencePrecision.Int8);

        var x = Fill(new SeededRandom(4), rows * 401);
        float[] serial = new float[rows * 300], shared = new float[rows * 300], single = new float[300], reference = new float[rows * 300];
        layer.Forward(parameters, new ReadOnlyMatrixSpan(x, rows, 401), new MatrixSpan(serial, rows, 300), quantized);
        using (var pool = new WorkerPool(2))
            layer.Forward(parameters, new ReadOnlyMatrixSpan(x, rows, 401), new MatrixSpan(shared, rows, 300), quantized, pool);
        Assert.Equal(serial, shared);
        for (int r = 0; r < rows; r++)
        {
            layer.Forward(parameters, new ReadOnlyMatrixSpan(x.AsSpan(r * 401, 401), 1, 401), new MatrixSpan(single, 1, 300), quantized);
            Assert.Equal(serial.AsSpan(r * 300, 300).ToArray(), single);
        }
        // Close to the float32 layer (the quantization error of 401 products), yet not equal to it.
        layer.Forward(parameters, new ReadOnlyMatrixSpan(x, rows, 401), new MatrixSpan(reference, rows, 300), exact);
        Assert.NotEqual(reference, serial);
        for (int i = 0; i < serial.Length; i++) Assert.True(Math.Abs(serial[i] - reference[i]) < 0.02, $"output {i}: {serial[i]} int8, {reference[i]} float32");
        Assert.Throws<InvalidOperationException>(() => quantized.For(layer));
        Assert.Throws<InvalidOperationException>(() => quantized.Refresh(parameters, null));
    }
}
