using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Kernels;

public class BFloat16Tests
{
    /// <summary>The nearest bfloat16, chosen by exact distances in double between the two neighbours that bracket the value
    /// (ties to the even one): written from the definition, sharing nothing with the bit trick under test.</summary>
    private static float NearestBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint down = bits & 0xFFFF0000, up = down + 0x10000;
        double below = BitConverter.UInt32BitsToSingle(down), above = BitConverter.UInt32BitsToSingle(up);
        if (float.IsInfinity((float)above)) return (float)below; // never round a finite weight to infinity
        double toBelow = Math.Abs(value - below), toAbove = Math.Abs(above - value);
        if (toBelow != toAbove) return (float)(toBelow < toAbove ? below : above);
        return (float)(((down >> 16) & 1) == 0 ? below : above);
    }

    [Fact]
    public void Rounding_picks_the_nearest_bfloat16_with_ties_to_even_and_never_overflows()
    {
        var random = new SeededRandom(11);
        var values = new List<float> { 0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, -float.MaxValue, float.MinValue,
            BitConverter.UInt32BitsToSingle(0x3F808000), // exactly halfway between 1 and the next bfloat16: ties to even (1)
            BitConverter.UInt32BitsToSingle(0x3F818000), // halfway with an odd lower neighbour: rounds up
            BitConverter.UInt32BitsToSingle(0x3F808001), // just past halfway: rounds up
            BitConverter.UInt32BitsToSingle(0x7F7FFFFF), BitConverter.UInt32BitsToSingle(0x00008000) };
        for (int i = 0; i < 200_000; i++)
            values.Add(i % 2 == 0 ? random.NextUniform(-3, 3) : BitConverter.UInt32BitsToSingle((uint)random.NextUInt64())); // any bit pattern
        foreach (float v in values.Where(float.IsFinite))
        {
            float rounded = BFloat16.Round(v);
            Assert.True(BitConverter.SingleToUInt32Bits(rounded) == BitConverter.SingleToUInt32Bits(NearestBFloat16(v)),
                $"{v:R} (0x{BitConverter.SingleToUInt32Bits(v):X8}) rounded to {rounded:R}, expected {NearestBFloat16(v):R}");
            Assert.True(float.IsFinite(rounded));
            Assert.Equal(0u, BitConverter.SingleToUInt32Bits(rounded) & 0xFFFF);
        }
        Assert.True(float.IsNaN(BFloat16.Round(float.NaN)));
        Assert.Equal(float.PositiveInfinity, BFloat16.Round(float.PositiveInfinity));
    }

    private static readonly FsCheck.Gen<Properties.GemvCase> GemvCases = Properties.GemvCases(maxRows: 4, maxK: 70, maxN: 300, columnStep: 16);

    [Fact]
    public void The_bfloat16_gemv_is_bitwise_the_float32_gemv_on_the_rounded_weights()
    {
        Properties.Check(GemvCases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            float[] x = Fill(random, c.Rows * c.K), bias = Fill(random, c.N), w = Fill(random, c.K * c.N);
            float[] rounded = Array.ConvertAll(w, BFloat16.Round);
            uint[] pairs = Pack(w, c.K, c.N);
            float[] expected = Fill(random, c.Rows * c.N), actual = (float[])expected.Clone();
            Gemv.Forward(new ReadOnlyMatrixSpan(x, c.Rows, c.K), new ReadOnlyMatrixSpan(rounded, c.K, c.N), bias, new MatrixSpan(expected, c.Rows, c.N), c.Col0, c.Cols);
            GemvBFloat16.Forward(new ReadOnlyMatrixSpan(x, c.Rows, c.K), new BFloat16Pairs(pairs, c.K, c.N, c.N), bias, new MatrixSpan(actual, c.Rows, c.N), c.Col0, c.Cols);
            Assert.Equal(expected, actual); // columns outside [col0, col0 + cols) untouched in both
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(37)]
    public void A_layer_reading_bfloat16_weights_matches_the_float32_layer_on_rounded_weights_for_any_batch_and_thread_count(int rows)
    {
        // 401 inputs (an odd last pair) × 300 outputs: large enough for the two-thread GEMV split.
        var (layer, parameters, exact, reduced) = LayerCopies.Make(401, 300, InferencePrecision.BFloat16);
        var roundedParameters = (float[])parameters.Clone();
        foreach (ref float v in layer.WeightSpan(roundedParameters.AsSpan()).Data) v = BFloat16.Round(v);
        var reference = new TransposedWeights([layer]);
        reference.Refresh(roundedParameters, null);

        var random = new SeededRandom(4);
        var x = Fill(random, rows * 401);
        float[] expected = new float[rows * 300], serial = new float[rows * 300], shared = new float[rows * 300];
        layer.Forward(roundedParameters, new ReadOnlyMatrixSpan(x, rows, 401), new MatrixSpan(expected, rows, 300), reference);
        layer.Forward(parameters, new ReadOnlyMatrixSpan(x, rows, 401), new MatrixSpan(serial, rows, 300), reduced);
        using (var pool = new WorkerPool(2))
            layer.Forward(parameters, new ReadOnlyMatrixSpan(x, rows, 401), new MatrixSpan(shared, rows, 300), reduced, pool);
        Assert.Equal(expected, serial);
        Assert.Equal(expected, shared);
        // The rounding is real: the float32 weights give other numbers.
        var unrounded = new float[rows * 300];
        layer.Forward(parameters, new ReadOnlyMatrixSpan(x, rows, 401), new MatrixSpan(unrounded, rows, 300), exact);
        Assert.NotEqual(expected, unrounded);
    }

    [Fact]
    public void A_bfloat16_copy_cannot_be_refreshed_from_parameters_nor_rounded_from_another_rounded_copy()
    {
        var layout = new ParameterLayout();
        var layer = new Linear(layout, "l", 5, 3);
        var reduced = new TransposedWeights([layer], InferencePrecision.BFloat16);
        Assert.Throws<InvalidOperationException>(() => reduced.Refresh(new float[layout.Count], null));
        Assert.Throws<InvalidOperationException>(() => reduced.RoundedFrom(new TransposedWeights([layer], InferencePrecision.BFloat16)));
    }

    private static float[] Fill(SeededRandom random, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = random.NextUniform(-1, 1);
        return values;
    }

    /// <summary>Element (i, j) of the k × n matrix in the low (even i) or high (odd i) half of word (i / 2, j).</summary>
    private static uint[] Pack(float[] w, int k, int n)
    {
        var pairs = new uint[(k + 1) / 2 * n];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++)
                pairs[i / 2 * n + j] |= (uint)BFloat16.ToBits(w[i * n + j]) << (16 * (i & 1));
        return pairs;
    }
}
