using Vae.Simd.Common;
using FsCheck.Fluent;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Kernels;

public class GemmTests
{
    /// <summary>Every path, by name (the enum is internal to the library): those this processor lacks run in software
    /// (<see cref="GemmPaths.IsSupported"/>), so the AVX-512 kernels are tested on every machine, not only on AVX-512 ones.</summary>
    public static TheoryData<string> AllPaths()
    {
        var data = new TheoryData<string>();
        foreach (var p in Enum.GetValues<GemmPath>()) data.Add(p.ToString());
        return data;
    }

    private sealed record Case(int M, int N, int K, bool TransA, bool TransB, int PitchA, int PitchB, int PitchC, bool Accumulate, int Seed);

    private static readonly FsCheck.Gen<Case> Cases =
        from m in Properties.Size(70)
        from n in Properties.Size(70)
        from k in Properties.Size(300)
        from ta in Gen.Elements(false, true)
        from tb in Gen.Elements(false, true)
        from pa in Properties.Pitch
        from pb in Properties.Pitch
        from pc in Properties.Pitch
        from acc in Gen.Elements(false, true)
        from seed in Properties.Seed
        select new Case(m, n, k, ta, tb, pa, pb, pc, acc, seed);

    /// <summary>Naive double-precision reference: C (+)= op(A)·op(B).</summary>
    private static double[,] Reference(StridedMatrix a, bool ta, StridedMatrix b, bool tb, StridedMatrix c, bool accumulate, int m, int n, int k)
    {
        var result = new double[m, n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = accumulate ? c[i, j] : 0;
                for (int p = 0; p < k; p++) s += (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]);
                result[i, j] = s;
            }
        return result;
    }

    // Float accumulation over K terms of magnitude ≤ 1: error grows like √K·ε in practice and K·ε at worst;
    // 1e-5·K relative to the sum of |terms| bounds it with room to spare and is far below any real bug.
    private static void AssertClose(double[,] expected, StridedMatrix actual, int k, string what)
    {
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                double tolerance = 1e-5 * (k + 1) * (1 + Math.Abs(expected[i, j]));
                if (!(Math.Abs(actual[i, j] - expected[i, j]) <= tolerance))
                    throw new Xunit.Sdk.XunitException($"{what}: C[{i},{j}] = {actual[i, j]} but the reference is {expected[i, j]}");
            }
        Assert.True(actual.GapsUntouched(), $"{what}: wrote outside the view");
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Multiply_matches_the_double_reference_for_every_form_and_shape(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        Properties.Check(Cases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            var a = c.TransA ? new StridedMatrix(c.K, c.M, c.PitchA, random) : new StridedMatrix(c.M, c.K, c.PitchA, random);
            var b = c.TransB ? new StridedMatrix(c.N, c.K, c.PitchB, random) : new StridedMatrix(c.K, c.N, c.PitchB, random);
            var dst = new StridedMatrix(c.M, c.N, c.PitchC, random);
            var expected = Reference(a, c.TransA, b, c.TransB, dst, c.Accumulate, c.M, c.N, c.K);
            Gemm.Multiply(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, dst.Span, c.Accumulate, path);
            AssertClose(expected, dst, c.K, $"{path} {c}");
        }, maxTest: 60);
    }

    /// <summary>
    /// A row of C is the same bits whichever rows are multiplied with it: computing rows [start, m) shifts every row into another
    /// place of its MR-row tile, so each one is formed in full tiles and in ragged last tiles of every height (the AVX2 path runs
    /// those on its own remainder kernels, the others on a padded copy). A kernel whose chain differs from the full tile's fails.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllPaths))]
    public void A_row_of_the_product_is_bitwise_the_same_whichever_rows_are_computed_with_it(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        var cases = from m in Gen.Choose(2, 30) from n in Properties.Size(70) from k in Properties.Size(300)
                    from ta in Gen.Elements(false, true) from tb in Gen.Elements(false, true) from acc in Gen.Elements(false, true)
                    from seed in Properties.Seed select (m, n, k, ta, tb, acc, seed);
        Properties.Check(cases, c =>
        {
            var random = new SeededRandom((ulong)c.seed);
            var a = c.ta ? new StridedMatrix(c.k, c.m, 0, random) : new StridedMatrix(c.m, c.k, 0, random);
            var b = c.tb ? new StridedMatrix(c.n, c.k, 0, random) : new StridedMatrix(c.k, c.n, 0, random);
            var initial = new StridedMatrix(c.m, c.n, 0, random);
            var whole = (float[])initial.Data.Clone();
            Gemm.Multiply(a.ReadOnly, c.ta, b.ReadOnly, c.tb, new MatrixSpan(whole, c.m, c.n), c.acc, path);
            for (int start = 1; start < Math.Min(c.m, 8); start++)
            {
                var part = initial.Data.AsSpan(start * c.n).ToArray();
                var rowsOfA = c.ta ? a.ReadOnly.SliceColumns(start, c.m - start) : a.ReadOnly.SliceRows(start, c.m - start);
                Gemm.Multiply(rowsOfA, c.ta, b.ReadOnly, c.tb, new MatrixSpan(part, c.m - start, c.n), c.acc, path);
                for (int i = 0; i < part.Length; i++)
                    if (BitConverter.SingleToInt32Bits(part[i]) != BitConverter.SingleToInt32Bits(whole[start * c.n + i]))
                        throw new Xunit.Sdk.XunitException($"{path} {c}: C[{start + i / c.n}, {i % c.n}] is {part[i]:R} computed from row {start} on, {whole[start * c.n + i]:R} with all rows");
            }
        }, maxTest: 40);
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Large_blocked_product_crosses_every_cache_block(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        // 200 × 1100 × 530 spans several MC, KC and NC blocks, with ragged edges on all three.
        var random = new SeededRandom(7);
        var a = new StridedMatrix(200, 530, 0, random);
        var b = new StridedMatrix(530, 1100, 3, random);
        var c = new StridedMatrix(200, 1100, 0, random);
        var expected = Reference(a, false, b, false, c, false, 200, 1100, 530);
        Gemm.Multiply(a.ReadOnly, false, b.ReadOnly, false, c.Span, false, path);
        AssertClose(expected, c, 530, path.ToString());
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void A_B_whose_row_stride_aliases_in_L1_is_packed_and_gives_the_in_place_results_bit_for_bit(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        // B rows 128, 1024 and 2048 floats apart (multiples of 512 bytes) are packed, row by row into every panel; 6 floats
        // more apart they are read in place. The values are the same, so C must be the same, bit for bit, and match the
        // reference. The widths leave every kind of last panel on every path: none, at most half a panel (the half kernel's),
        // more than half, and a product wider than one NC block.
        foreach (var (stride, width) in new[] { (128, 125), (128, 116), (1024, 1024), (1024, 1021), (1024, 1016), (1024, 1004), (2048, 2040) })
        {
            var random = new SeededRandom((ulong)width);
            var a = new StridedMatrix(37, 300, 0, random);
            var aliased = new StridedMatrix(300, width, stride - width, random);
            var spread = new StridedMatrix(300, width, stride - width + 6, new SeededRandom(0));
            for (int r = 0; r < 300; r++) aliased.ReadOnly[r].CopyTo(spread.Span[r]);
            Assert.Equal(0, aliased.Stride * sizeof(float) % 512);
            Assert.NotEqual(0, spread.Stride * sizeof(float) % 512);
            var c1 = new StridedMatrix(37, width, 0, new SeededRandom(1));
            var c2 = new StridedMatrix(37, width, 0, new SeededRandom(1));
            var expected = Reference(a, false, aliased, false, c1, true, 37, width, 300);
            Gemm.Multiply(a.ReadOnly, false, aliased.ReadOnly, false, c1.Span, true, path);
            Gemm.Multiply(a.ReadOnly, false, spread.ReadOnly, false, c2.Span, true, path);
            AssertClose(expected, c1, 300, $"{path}, B stride {aliased.Stride}, {width} columns");
            Assert.Equal(c2.Data, c1.Data);
        }
    }

    private sealed record LinearCase(int Batch, int In, int Out, int Pitch, int Seed);

    private static readonly FsCheck.Gen<LinearCase> LinearCases =
        from batch in Properties.Size(40)
        from i in Properties.Size(90)
        from o in Properties.Size(90)
        from pitch in Properties.Pitch
        from seed in Properties.Seed
        select new LinearCase(batch, i, o, pitch, seed);

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Linear_forms_match_their_definitions(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        Properties.Check(LinearCases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            var x = new StridedMatrix(c.Batch, c.In, c.Pitch, random);
            var w = new StridedMatrix(c.Out, c.In, c.Pitch, random);
            var bias = Enumerable.Range(0, c.Out).Select(_ => random.NextUniform(-1, 1)).ToArray();
            var dy = new StridedMatrix(c.Batch, c.Out, c.Pitch, random);

            var y = new StridedMatrix(c.Batch, c.Out, c.Pitch, random);
            Gemm.LinearForward(x.ReadOnly, w.ReadOnly, bias, y.Span, path);
            var dx = new StridedMatrix(c.Batch, c.In, c.Pitch, random);
            Gemm.LinearBackwardInput(dy.ReadOnly, w.ReadOnly, dx.Span, path);
            var dw = new StridedMatrix(c.Out, c.In, c.Pitch, random);
            var dwBefore = dw.Data.ToArray();
            Gemm.LinearBackwardWeight(dy.ReadOnly, x.ReadOnly, dw.Span, path);
            var db = Enumerable.Range(0, c.Out).Select(_ => random.NextUniform(-1, 1)).ToArray();
            var dbBefore = db.ToArray();
            Gemm.AccumulateColumnSums(dy.ReadOnly, db);

            for (int r = 0; r < c.Batch; r++)
                for (int o = 0; o < c.Out; o++)
                {
                    double s = bias[o];
                    for (int i = 0; i < c.In; i++) s += x[r, i] * w[o, i];
                    Approx.Equal(s, y[r, o], 1e-5 * c.In, $"y[{r},{o}]");
                }
            for (int r = 0; r < c.Batch; r++)
                for (int i = 0; i < c.In; i++)
                {
                    double s = 0;
                    for (int o = 0; o < c.Out; o++) s += dy[r, o] * w[o, i];
                    Approx.Equal(s, dx[r, i], 1e-5 * c.Out, $"dx[{r},{i}]");
                }
            for (int o = 0; o < c.Out; o++)
            {
                for (int i = 0; i < c.In; i++)
                {
                    double s = dwBefore[o * dw.Stride + i];
                    for (int r = 0; r < c.Batch; r++) s += dy[r, o] * x[r, i];
                    Approx.Equal(s, dw[o, i], 1e-5 * c.Batch, $"dW[{o},{i}] (accumulated)");
                }
                double sb = dbBefore[o];
                for (int r = 0; r < c.Batch; r++) sb += dy[r, o];
                Approx.Equal(sb, db[o], 1e-5 * c.Batch, $"db[{o}] (accumulated)");
            }
            Assert.True(y.GapsUntouched() && dx.GapsUntouched() && dw.GapsUntouched());
        }, maxTest: 50);
    }

    /// <summary>
    /// A narrow product whose A is stored transposed (the dW of a narrow layer) runs as its transpose, Cᵀ = op(B)ᵀ·op(A)ᵀ, in a
    /// scratch: that must be the product computed directly, bit for bit, added to C or replacing it, on one thread or several.
    /// The shapes straddle the choice: narrow and not, wide enough and not, deep enough and not.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllPaths))]
    public void A_narrow_product_computed_as_its_transpose_is_bitwise_the_product(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        using var pool = new WorkerPool(2);
        var cases = from m in Gen.Choose(1, 420) from n in Gen.Choose(1, 70) from k in Gen.Choose(1, 300)
                    from tb in Gen.Elements(false, true) from acc in Gen.Elements(false, true) from pc in Properties.Pitch
                    from threads in Gen.Elements(1, 2) from seed in Properties.Seed select (m, n, k, tb, acc, pc, threads, seed);
        Properties.Check(cases, c =>
        {
            var random = new SeededRandom((ulong)c.seed);
            var a = new StridedMatrix(c.k, c.m, 0, random);
            var b = c.tb ? new StridedMatrix(c.n, c.k, 0, random) : new StridedMatrix(c.k, c.n, 0, random);
            var direct = new StridedMatrix(c.m, c.n, c.pc, random);
            var chosen = new StridedMatrix(c.m, c.n, c.pc, new SeededRandom(0));
            direct.Data.CopyTo(chosen.Data, 0);
            var expected = Reference(a, true, b, c.tb, direct, c.acc, c.m, c.n, c.k);
            var workers = c.threads == 2 ? pool : null;
            GemmDriver.MultiplyAdd(a.ReadOnly, true, b.ReadOnly, c.tb, direct.Span, overwrite: !c.acc, path, workers, transposeNarrow: false);
            GemmDriver.MultiplyAdd(a.ReadOnly, true, b.ReadOnly, c.tb, chosen.Span, overwrite: !c.acc, path, workers, transposeNarrow: true);
            AssertClose(expected, chosen, c.k, $"{path} {c}");
            for (int i = 0; i < direct.Data.Length; i++)
                if (BitConverter.SingleToInt32Bits(direct.Data[i]) != BitConverter.SingleToInt32Bits(chosen.Data[i]))
                    throw new Xunit.Sdk.XunitException($"{path} {c}: element {i} is {chosen.Data[i]:R} as chosen, {direct.Data[i]:R} computed directly");
        }, maxTest: 60);
    }

    /// <summary>
    /// On the AVX-512 path a C of at most 48 columns (not a multiple of 16) and at least 32 rows runs with the vector lanes
    /// along its rows (<c>GemmDriver.MultiplyNarrow</c>); slices of at most 31 rows run on the blocked tiles. Each row must come
    /// out the same bits either way, in every form, from zero, from C and from a bias, on one thread or two, with C's gaps
    /// untouched. Widths of 16, 32 and 48 and past 48 take the tiles both ways, which must agree too.
    /// </summary>
    [Fact]
    public void A_narrow_product_with_the_lanes_along_its_rows_is_bitwise_the_blocked_product()
    {
        const GemmPath path = GemmPath.Vector512;
        using var pool = new WorkerPool(2);
        // Depths past 256 cross the path's depth blocks, whose chains carry on from one block to the next.
        var cases = from m in Gen.Choose(32, 140) from n in Gen.Choose(1, 50) from k in Properties.Size(700)
                    from ta in Gen.Elements(false, true) from tb in Gen.Elements(false, true) from start in Gen.Elements("zero", "C", "bias")
                    from pc in Properties.Pitch from threads in Gen.Elements(1, 2) from seed in Properties.Seed
                    select (m, n, k, ta, tb, start, pc, threads, seed);
        Properties.Check(cases, c =>
        {
            var random = new SeededRandom((ulong)c.seed);
            var a = c.ta ? new StridedMatrix(c.k, c.m, 0, random) : new StridedMatrix(c.m, c.k, 0, random);
            var b = c.tb ? new StridedMatrix(c.n, c.k, 0, random) : new StridedMatrix(c.k, c.n, 0, random);
            var bias = Enumerable.Range(0, c.n).Select(_ => random.NextUniform(-1, 1)).ToArray();
            var whole = new StridedMatrix(c.m, c.n, c.pc, random);
            var sliced = new StridedMatrix(c.m, c.n, c.pc, new SeededRandom(0));
            whole.Data.CopyTo(sliced.Data, 0);
            var expected = Reference(a, c.ta, b, c.tb, whole, c.start == "C", c.m, c.n, c.k);
            if (c.start == "bias")
                for (int i = 0; i < c.m; i++)
                    for (int j = 0; j < c.n; j++) expected[i, j] += bias[j];
            var workers = c.threads == 2 ? pool : null;
            void Run(ReadOnlyMatrixSpan rowsOfA, MatrixSpan rowsOfC)
            {
                if (c.start == "bias") GemmDriver.MultiplyBias(rowsOfA, c.ta, b.ReadOnly, c.tb, bias, rowsOfC, path, workers);
                else GemmDriver.MultiplyAdd(rowsOfA, c.ta, b.ReadOnly, c.tb, rowsOfC, overwrite: c.start == "zero", path, workers);
            }
            Run(a.ReadOnly, whole.Span);
            for (int row = 0; row < c.m; row += 31)
            {
                int rows = Math.Min(31, c.m - row);
                Run(c.ta ? a.ReadOnly.SliceColumns(row, rows) : a.ReadOnly.SliceRows(row, rows), sliced.Span.SliceRows(row, rows));
            }
            AssertClose(expected, whole, c.k, $"{c}");
            for (int i = 0; i < whole.Data.Length; i++)
                if (BitConverter.SingleToInt32Bits(whole.Data[i]) != BitConverter.SingleToInt32Bits(sliced.Data[i]))
                    throw new Xunit.Sdk.XunitException($"{c}: element {i} is {whole.Data[i]:R} with all rows, {sliced.Data[i]:R} in slices of 31");
        }, maxTest: 80);
    }

    /// <summary>
    /// C = bias + op(A)·op(B) starts the first depth block's tiles from the bias instead of writing it into C first: every
    /// element must be the bits of writing it first and adding the product, in full tiles, half panels, ragged rows and
    /// padded edges, on one thread or two, and C's gaps must stay untouched.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllPaths))]
    public void A_product_started_from_a_bias_is_bitwise_the_bias_written_first_then_the_product_added(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        using var pool = new WorkerPool(2);
        var threads = Gen.Elements(1, 2);
        Properties.Check(from c in Cases from t in threads select (c, t), p =>
        {
            var (c, t) = p;
            var random = new SeededRandom((ulong)c.Seed);
            var a = c.TransA ? new StridedMatrix(c.K, c.M, c.PitchA, random) : new StridedMatrix(c.M, c.K, c.PitchA, random);
            var b = c.TransB ? new StridedMatrix(c.N, c.K, c.PitchB, random) : new StridedMatrix(c.K, c.N, c.PitchB, random);
            var bias = Enumerable.Range(0, c.N).Select(_ => random.NextUniform(-1, 1)).ToArray();
            var first = new StridedMatrix(c.M, c.N, c.PitchC, random);
            var started = new StridedMatrix(c.M, c.N, c.PitchC, new SeededRandom(0));
            first.Data.CopyTo(started.Data, 0);
            var workers = t == 2 ? pool : null;
            for (int r = 0; r < c.M; r++) bias.CopyTo(first.Span[r]);
            GemmDriver.MultiplyAdd(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, first.Span, overwrite: false, path, workers);
            GemmDriver.MultiplyBias(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, bias, started.Span, path, workers);
            for (int i = 0; i < first.Data.Length; i++)
                if (BitConverter.SingleToInt32Bits(first.Data[i]) != BitConverter.SingleToInt32Bits(started.Data[i]))
                    throw new Xunit.Sdk.XunitException($"{path} {c}, {t} thread(s): element {i} is {started.Data[i]:R} started from the bias, {first.Data[i]:R} with the bias written first");
        }, maxTest: 60);
    }

    /// <summary>
    /// A forward product leaves out the depth steps where a whole A panel is zero (<see cref="GemmDriver.MultiplyBias"/>): on
    /// inputs as sparse as MNIST's pixels, with whole zero columns, all-zero rows, depths past one cache block, ragged edges,
    /// one thread or two (sharing columns, or rows for a tall product), it must give the bits of the dense product. A bias
    /// holding −0 turns the skipping off (it would lose the sign of a zero result) and must give them too.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Skipping_the_zero_depth_steps_of_a_forward_product_gives_the_dense_products_bits(string pathName)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        using var pool = new WorkerPool(2);
        long skippedBefore = GemmDriver.SkippedSteps;
        var cases = from c in Cases
                    from zeroColumns in Gen.Elements(0.0, 0.5, 0.9, 1.0)
                    from zeroElements in Gen.Elements(0.0, 0.6, 0.8)
                    from negativeZeroBias in Gen.Elements(false, false, true)
                    from threads in Gen.Elements(1, 2)
                    from tall in Gen.Elements(false, true)   // 128 rows or more: two threads share them by rows
                    select (c: c with { M = c.M + (tall ? 128 : 8), K = c.K * 2 + 1 }, zeroColumns, zeroElements, negativeZeroBias, threads);
        Properties.Check(cases, p =>
        {
            var (c, zeroColumns, zeroElements, negativeZeroBias, threads) = p;
            var random = new SeededRandom((ulong)c.Seed);
            var a = c.TransA ? new StridedMatrix(c.K, c.M, c.PitchA, random) : new StridedMatrix(c.M, c.K, c.PitchA, random);
            var b = c.TransB ? new StridedMatrix(c.N, c.K, c.PitchB, random) : new StridedMatrix(c.K, c.N, c.PitchB, random);
            // Zero a share of A's columns (depth steps) whole, then a share of the rest element by element, some as −0.
            for (int k = 0; k < c.K; k++)
            {
                bool column = random.NextDouble() < zeroColumns;
                for (int i = 0; i < c.M; i++)
                    if (column || random.NextDouble() < zeroElements)
                        a.Data[c.TransA ? k * a.Stride + i : i * a.Stride + k] = random.NextDouble() < 0.1 ? -0f : 0f;
            }
            var bias = Enumerable.Range(0, c.N).Select(_ => random.NextDouble() < 0.2 ? 0f : random.NextUniform(-1, 1)).ToArray();
            if (negativeZeroBias) bias[random.NextInt(c.N)] = -0f;
            var dense = new StridedMatrix(c.M, c.N, c.PitchC, random);
            var skipped = new StridedMatrix(c.M, c.N, c.PitchC, new SeededRandom(0));
            var workers = threads == 2 ? pool : null;
            GemmDriver.MultiplyBias(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, bias, dense.Span, path, workers, skipZeroSteps: false);
            GemmDriver.MultiplyBias(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, bias, skipped.Span, path, workers);
            for (int i = 0; i < c.M; i++)
                for (int j = 0; j < c.N; j++)
                    if (BitConverter.SingleToInt32Bits(dense.Span[i][j]) != BitConverter.SingleToInt32Bits(skipped.Span[i][j]))
                        throw new Xunit.Sdk.XunitException($"{path} {c}, zero columns {zeroColumns}, zero elements {zeroElements}, −0 bias {negativeZeroBias}, {threads} thread(s): C[{i},{j}] is {skipped.Span[i][j]:R} skipping, {dense.Span[i][j]:R} dense");
            Assert.True(skipped.GapsUntouched(), "skipping wrote outside C's view");
        }, maxTest: 60);
        // The vector paths must have skipped something on this thread (the scalar path always runs dense).
        if (path != GemmPath.Scalar) Assert.True(GemmDriver.SkippedSteps > skippedBefore, $"{path} never skipped a step");
    }

    [Fact]
    public void Shape_mismatches_name_the_parameter_and_both_shapes()
    {
        var x = new float[6]; var w = new float[12]; var y = new float[8];
        var ex = Assert.Throws<ArgumentException>(() => Gemm.LinearForward(new ReadOnlyMatrixSpan(x, 2, 3), new ReadOnlyMatrixSpan(w, 3, 4), new float[3], new MatrixSpan(y, 2, 4)));
        Assert.Equal("x", ex.ParamName);
        Assert.Contains("[2 × 3]", ex.Message);
        Assert.Contains("[3 × 4]", ex.Message);

        var ex2 = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new ReadOnlyMatrixSpan(x, 2, 3), false, new ReadOnlyMatrixSpan(w, 3, 4), false, new MatrixSpan(y, 4, 2), false));
        Assert.Equal("c", ex2.ParamName);
        Assert.Contains("[4 × 2]", ex2.Message);
        Assert.Contains("[2 × 4]", ex2.Message);

        var ex3 = Assert.Throws<ArgumentException>(() => Gemm.LinearForward(new ReadOnlyMatrixSpan(x, 2, 3), new ReadOnlyMatrixSpan(w, 4, 3), new float[3], new MatrixSpan(y, 2, 4)));
        Assert.Equal("bias", ex3.ParamName);
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Sharing_the_columns_among_threads_gives_bitwise_the_same_product(string pathName)
        => CheckSharedOnOneTwoAndThreeThreads(pathName, c => c with { M = c.M + 20, N = c.N * 3 + 40 }, againstReference: false, maxTest: 30);

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Sharing_the_rows_of_a_narrow_product_among_threads_gives_bitwise_the_same_product(string pathName)
        // Narrower than two NR panels (up to 63 columns covers every path), tall enough to split: the rows are shared out.
        => CheckSharedOnOneTwoAndThreeThreads(pathName, c => c with { M = c.M * 7 + 100, N = 1 + c.N % 63, K = c.K + 200 }, againstReference: true, maxTest: 30);

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Sharing_the_rows_of_a_tall_product_among_threads_gives_bitwise_the_same_product(string pathName)
        // 64 rows or more per thread on two and three threads, wider than two NR panels: the rows are shared out where B's
        // rows are contiguous (columns where B is transposed), ragged last share included.
        => CheckSharedOnOneTwoAndThreeThreads(pathName, c => c with { M = c.M * 3 + 192, N = c.N + 64 }, againstReference: true, maxTest: 20);

    private static void CheckSharedOnOneTwoAndThreeThreads(string pathName, Func<Case, Case> shape, bool againstReference, int maxTest)
    {
        var path = Enum.Parse<GemmPath>(pathName);
        using var pool2 = new WorkerPool(2);
        using var pool3 = new WorkerPool(3);
        Properties.Check(Cases.Select(shape), c => AssertSameOnOneTwoAndThreeThreads(c, path, pool2, pool3, againstReference), maxTest: maxTest);
    }

    /// <summary>The product on no pool, on two threads and on three: the same bits (and, if asked, close to the double reference).</summary>
    private static void AssertSameOnOneTwoAndThreeThreads(Case c, GemmPath path, WorkerPool pool2, WorkerPool pool3, bool againstReference)
    {
        var random = new SeededRandom((ulong)c.Seed);
        var a = c.TransA ? new StridedMatrix(c.K, c.M, c.PitchA, random) : new StridedMatrix(c.M, c.K, c.PitchA, random);
        var b = c.TransB ? new StridedMatrix(c.N, c.K, c.PitchB, random) : new StridedMatrix(c.K, c.N, c.PitchB, random);
        var c1 = new StridedMatrix(c.M, c.N, c.PitchC, random);
        var c2 = new StridedMatrix(c.M, c.N, c.PitchC, new SeededRandom(0));
        var c3 = new StridedMatrix(c.M, c.N, c.PitchC, new SeededRandom(0));
        c1.Data.CopyTo(c2.Data, 0); c1.Data.CopyTo(c3.Data, 0);
        var expected = againstReference ? Reference(a, c.TransA, b, c.TransB, c1, c.Accumulate, c.M, c.N, c.K) : null;
        Gemm.Multiply(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, c1.Span, c.Accumulate, path, null);
        Gemm.Multiply(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, c2.Span, c.Accumulate, path, pool2);
        Gemm.Multiply(a.ReadOnly, c.TransA, b.ReadOnly, c.TransB, c3.Span, c.Accumulate, path, pool3);
        if (expected is not null) AssertClose(expected, c2, c.K, $"{path}, {c.M}×{c.N}×{c.K} on two threads");
        Assert.Equal(c1.Data, c2.Data);
        Assert.Equal(c1.Data, c3.Data);
    }

    [Fact]
    public void Best_path_is_supported_and_the_machine_vector_paths_are_reported()
    {
        Assert.True(GemmPaths.IsSupported(GemmPaths.Best));
        Assert.True(GemmPaths.IsSupported(GemmPath.Scalar));
    }
}
