using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>The kernels of <see cref="GemvInt8"/>: they differ in speed, never in result.</summary>
internal enum Int8Kernel
{
    /// <summary>AVX-VNNI: one <c>vpdpbusd</c> per 32 multiply-adds.</summary>
    Vnni,
    /// <summary>AVX2 without VNNI: 16-bit products added in pairs (<c>vpmaddwd</c>).</summary>
    Avx2,
    /// <summary>Arm64 with the dot-product extension: one <c>sdot</c> per 16 multiply-adds, on signed activations.</summary>
    ArmDot,
    /// <summary>128-bit vectors anywhere (Arm64 without it, x64 without AVX2): bytes sign-extended by shifts, 32-bit multiplies.</summary>
    Portable,
}

/// <summary>
/// y = x·Wᵀ + b with Wᵀ quantized to int8 per column (<see cref="Int8Columns"/>) and each row of x quantized to int8 on the fly:
/// a quarter of float32's weight bytes, so the canonical VAE's weights (0.65 MB) stay in a 1 MB L2, and on AVX-VNNI one
/// instruction per 32 multiply-adds. Row r of x gets its own scale sₓ = max|x[r, ·]| / 127 and aᵢ = round(xᵢ / sₓ); then
/// <code>y[r, j] = b[j] + (sₓ·scale[j]) · Σᵢ aᵢ·q(i, j)</code>
/// with the sum exact in 32-bit integers. VNNI multiplies unsigned bytes by signed ones, so a row is stored as the bytes aᵢ + oᵣ
/// and oᵣ·Σᵢ q(i, j) (<see cref="Int8Columns.Sums"/>) is subtracted afterwards: oᵣ = 0 when every aᵢ ≥ 0 (a ReLU's output,
/// pixels), 128 otherwise. A zero of such a row is a zero byte, so the VNNI and AVX2 kernels skip a quad that is zero in every
/// row they take together (<see cref="ActiveQuads"/>): MNIST's images leave about half the first layer's quads of a
/// four-row tile empty. The integer sum is the same however it is computed, and the last step is the same float32 multiply
/// and add everywhere, so every path (VNNI, the portable vector code, scalar, any width) gives the same bits, and a row's
/// result does not depend on the batch it came in.
/// </summary>
internal static unsafe class GemvInt8
{
    /// <summary>Largest input width whose integer sums cannot overflow: k · 255 · 127 &lt; 2³¹.</summary>
    public const int MaxInputs = 66_000;

    /// <summary>The kernel that runs here: VNNI (x86 with AVX-VNNI), else AVX2's 16-bit multiply-add of pairs, else Arm's dot
    /// product, else the portable 128-bit kernel. All compute the same integer sums.</summary>
    public static Int8Kernel Best { get; } =
        AvxVnni.IsSupported ? Int8Kernel.Vnni : Avx2.IsSupported ? Int8Kernel.Avx2 : Dp.IsSupported ? Int8Kernel.ArmDot : Int8Kernel.Portable;

    /// <summary>True where <paramref name="kernel"/> runs on this processor.</summary>
    public static bool IsSupported(Int8Kernel kernel) => kernel switch
    {
        Int8Kernel.Vnni => AvxVnni.IsSupported,
        Int8Kernel.Avx2 => Avx2.IsSupported,
        Int8Kernel.ArmDot => Dp.IsSupported,
        _ => true,
    };

    [ThreadStatic] private static uint[]? s_rows;
    [ThreadStatic] private static ulong[]? s_signedRows;
    [ThreadStatic] private static float[]? s_rowScales;
    [ThreadStatic] private static int[]? s_rowOffsets;
    [ThreadStatic] private static int[]? s_activeQuads;
    [ThreadStatic] private static int[]? s_tileQuads;
    [ThreadStatic] private static ParallelInt8? s_work;

    /// <summary>
    /// Quantizes a k × n Wᵀ (<paramref name="transposed"/>, row-major, n wide) column by column into <paramref name="words"/>
    /// (<see cref="Int8Columns"/>'s layout, stride n), <paramref name="scales"/> and <paramref name="sums"/>: scale = the column's
    /// largest magnitude / 127, q = its values / scale rounded to the nearest integer (ties to even).
    /// </summary>
    public static void QuantizeColumns(ReadOnlySpan<float> transposed, int k, int n, Span<uint> words, Span<float> scales, Span<int> sums)
    {
        if (k > MaxInputs)
            throw new NotSupportedException($"int8 inference takes layers of at most {MaxInputs} inputs; this one has {k}");
        words[..(Int8Columns.QuadRows(k) * n)].Clear();
        for (int j = 0; j < n; j++)
        {
            float largest = 0f;
            for (int i = 0; i < k; i++) largest = MathF.Max(largest, MathF.Abs(transposed[i * n + j]));
            if (!float.IsFinite(largest))
                throw new ArgumentException($"column {j} of the weights holds a value that is not finite: it cannot be quantized to int8", nameof(transposed));
            float inverse = InverseStep(ref largest);
            scales[j] = largest / 127f;
            int sum = 0;
            for (int i = 0; i < k; i++)
            {
                int q = Math.Clamp((int)MathF.Round(transposed[i * n + j] * inverse), -127, 127);
                sum += q;
                words[i / 4 * n + j] |= (uint)(byte)(sbyte)q << (8 * (i & 3));
            }
            sums[j] = sum;
        }
    }

    /// <summary>
    /// Quantizes one row of activations into <paramref name="quads"/> (four to a word, each aᵢ + <paramref name="offset"/> as an
    /// unsigned byte; the offset alone, that is aᵢ = 0, past the end) and returns its scale sₓ: 0 for a row of zeros, NaN for a
    /// row with a value that is not finite. The offset is 0 when no aᵢ is negative, else 128.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    public static float QuantizeRow(ReadOnlySpan<float> x, Span<uint> quads, out int offset)
    {
        int quadCount = Int8Columns.QuadRows(x.Length);
        offset = 128;
        float largest = LargestMagnitude.Of(x);
        if (!float.IsFinite(largest)) return float.NaN;
        float inverse = InverseStep(ref largest);
        // Written first without the offset, as most rows (a ReLU's, pixels) need none; a row with a negative step is written
        // again with it, from the same values still in L1. (Finding the smallest value first cost a pass over every row.)
        Span<byte> bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(quads[..quadCount]);
        offset = Steps(x, bytes, inverse, 0) < 0 ? 128 : 0;
        if (offset != 0) Steps(x, bytes, inverse, offset);
        return largest / 127f;
    }

    /// <summary>Writes round(xᵢ · inverse) + offset into the bytes (the offset alone past x's end) and returns the smallest
    /// step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Steps(ReadOnlySpan<float> x, Span<byte> bytes, float inverse, int offset)
    {
        int k = x.Length, i = 0, lowest = 0;
        if (Avx512F.IsSupported)
        {
            // Three instructions per 16 values: vcvtps2dq rounds to nearest, ties to even (MXCSR's default, which .NET never
            // changes), and vpmovdb keeps the low bytes. The generic Round, saturating conversion and two narrowings took four
            // to five times as long (100 against 22 µs for 1,000 rows of 784, Zen 5).
            var scale = Vector512.Create(inverse);
            var added = Vector512.Create(offset);
            var low = Vector512<int>.Zero;
            fixed (float* px = x)
            fixed (byte* pb = bytes)
                for (; i + 16 <= k; i += 16)
                {
                    var a = Avx512F.ConvertToVector512Int32(Vector512.Load(px + i) * scale);
                    low = Vector512.Min(low, a);
                    Avx512F.ConvertToVector128Byte(a + added).Store(pb + i);
                }
            lowest = Vector512.LessThanAny(low, Vector512<int>.Zero) ? -1 : 0;
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(inverse);
            var added = Vector256.Create(offset);
            var low = Vector256<int>.Zero;
            fixed (float* px = x)
            fixed (byte* pb = bytes)
                for (; i + 16 <= k; i += 16)
                {
                    // Round(v · inverse) is the scalar loop's MathF.Round(v · inverse): the same multiply, ties to even.
                    var lo = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(px + i) * scale));
                    var hi = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(px + i + 8) * scale));
                    low = Vector256.Min(low, Vector256.Min(lo, hi));
                    Vector128.Store(Vector256.Narrow(Vector256.Narrow((lo + added).AsUInt32(), (hi + added).AsUInt32()), Vector256<ushort>.Zero).GetLower(), pb + i);
                }
            lowest = Vector256.LessThanAny(low, Vector256<int>.Zero) ? -1 : 0;
        }
        for (; i < k; i++)
        {
            int a = Math.Clamp((int)MathF.Round(x[i] * inverse), -127, 127);
            lowest = Math.Min(lowest, a);
            bytes[i] = (byte)(a + offset);
        }
        for (; i < bytes.Length; i++) bytes[i] = (byte)offset;
        return lowest;
    }

    /// <summary>127 / <paramref name="largest"/>, the factor that maps values to steps; 0 for 0, and also for a largest magnitude
    /// so small (below about 4e-37) that the factor would overflow to infinity: such values quantize to 0 and
    /// <paramref name="largest"/> is set to 0, an error below 1e-35 per product instead of infinities.</summary>
    private static float InverseStep(ref float largest)
    {
        float inverse = largest == 0f ? 0f : 127f / largest;
        if (float.IsFinite(inverse)) return inverse;
        largest = 0f;
        return 0f;
    }

    /// <summary>y = x·Wᵀ + b for every row of x, the columns of y shared among the pool's threads when the product is large.</summary>
    public static void Forward(ReadOnlyMatrixSpan x, Int8Columns w, ReadOnlySpan<float> bias, MatrixSpan y, WorkerPool? pool = null)
        => Forward(x, w, bias, y, Best, pool);

    /// <summary>The same on <paramref name="kernel"/> (tests run each kernel this processor has).</summary>
    internal static void Forward(ReadOnlyMatrixSpan x, Int8Columns w, ReadOnlySpan<float> bias, MatrixSpan y, Int8Kernel kernel, WorkerPool? pool = null)
    {
        if (!IsSupported(kernel)) throw new PlatformNotSupportedException($"the {kernel} int8 kernel does not run on this processor");
        if (x.Columns != w.Rows)
            throw new ArgumentException($"x has shape {x.ToString()} but the int8 weights expect {w.Rows} input columns", nameof(x));
        Shape.CheckLength(bias.Length, w.Columns, nameof(bias));
        Shape.Check(y, x.Rows, w.Columns, nameof(y));
        int rows = x.Rows, quadCount = Int8Columns.QuadRows(x.Columns);
        if (rows == 0 || w.Columns == 0) return;
        var quads = Grow(ref s_rows, rows * quadCount);
        var scales = Grow(ref s_rowScales, rows);
        var offsets = Grow(ref s_rowOffsets, rows);
        for (int r = 0; r < rows; r++) scales[r] = QuantizeRow(x[r], quads.AsSpan(r * quadCount, quadCount), out offsets[r]);
        // The AVX2 kernel multiplies signed 16-bit activations: the same quads as aᵢ (without the offset), four to a 64-bit word.
        ulong[] signed = [];
        if (kernel == Int8Kernel.Avx2)
        {
            signed = Grow(ref s_signedRows, rows * quadCount);
            for (int r = 0; r < rows; r++)
                for (int i = r * quadCount; i < (r + 1) * quadCount; i++) signed[i] = Signed(quads[i], offsets[r]);
        }
        int[] active = [], tileQuads = [];
        if (kernel is Int8Kernel.Vnni or Int8Kernel.Avx2)
        {
            int groups = rows / TileRows + rows % TileRows;
            tileQuads = Grow(ref s_tileQuads, 2 * groups);
            active = Grow(ref s_activeQuads, groups * quadCount);
            ActiveQuads(quads, offsets, rows, quadCount, active, tileQuads);
        }
        fixed (uint* pq = quads, pw = w.Data)
        fixed (ulong* pSigned = signed)
        fixed (float* ps = scales, pScale = w.Scales, pb = bias, py = y.Data)
        fixed (int* pSum = w.Sums, pOffsets = offsets, pActive = active, pTileQuads = tileQuads)
        {
            var product = new Product(pq, pSigned, ps, pOffsets, rows, quadCount, pActive, pTileQuads, pw, w.Stride, pScale, pSum, pb, py, y.Stride, kernel);
            // Below about 2 million multiply-adds the hand-off costs more than it saves.
            if (pool is null || pool.Threads == 1 || (long)rows * x.Columns * w.Columns < 2_000_000 || w.Columns < 128)
            {
                product.Columns(0, rows, 0, w.Columns);
                return;
            }
            var work = s_work ??= new ParallelInt8();
            work.Set(product, rows, w.Columns, pool.Threads);
            pool.Run(work, work.Parts);
        }
    }

    /// <summary>Four bytes aᵢ + <paramref name="offset"/> as four signed 16-bit aᵢ.</summary>
    private static ulong Signed(uint quad, int offset)
    {
        ulong word = 0;
        for (int b = 0; b < 4; b++) word |= (ulong)(ushort)(short)((int)((quad >> (8 * b)) & 0xFF) - offset) << (16 * b);
        return word;
    }

    private static T[] Grow<T>(ref T[]? slot, int length) => slot is not null && slot.Length >= length ? slot : slot = new T[Math.Max(length, 64)];

    /// <summary>
    /// The quads that are not zero in all rows of a group, as indices into <paramref name="active"/>: group g's are
    /// active[tileQuads[2g] ..] (tileQuads[2g + 1] of them), in increasing order. The groups are the tiles of
    /// <see cref="TileRows"/> rows, then each row past the last tile on its own. A group that would skip less than an eighth
    /// of its quads gets a count of quadCount and no list, and so does one with a row stored with offset 128 (it has no zero
    /// words): the kernels then run their plain loop, as reading the quads through a list costs an index load per quad,
    /// which a few skipped quads do not repay.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void ActiveQuads(uint[] quads, int[] offsets, int rows, int quadCount, int[] active, int[] tileQuads)
    {
        int next = 0, tiledRows = rows / TileRows * TileRows;
        fixed (uint* pq = quads)
        fixed (int* pa = active)
            for (int r = 0, g = 0; r < rows; g++)
            {
                int height = r < tiledRows ? TileRows : 1;
                tileQuads[2 * g] = 0;
                tileQuads[2 * g + 1] = quadCount;
                bool offsetRows = false;
                for (int i = 0; i < height; i++) offsetRows |= offsets[r + i] != 0;
                uint* u0 = pq + r * quadCount, u1 = u0 + quadCount, u2 = u1 + quadCount, u3 = u2 + quadCount;
                r += height;
                if (offsetRows) continue;
                // The list is written as the quads are found and dropped if too long: one pass either way.
                int start = next, p = 0;
                var eight = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
                for (; p + 8 <= quadCount; p += 8)
                {
                    var any = Vector256.Load(u0 + p);
                    if (height > 1) any |= Vector256.Load(u1 + p) | Vector256.Load(u2 + p) | Vector256.Load(u3 + p);
                    uint mask = ~Vector256.Equals(any, Vector256<uint>.Zero).ExtractMostSignificantBits() & 0xFF;
                    if (mask == 0xFF)
                    {
                        (eight + Vector256.Create(p)).Store(pa + next);
                        next += 8;
                        continue;
                    }
                    for (; mask != 0; mask &= mask - 1) pa[next++] = p + System.Numerics.BitOperations.TrailingZeroCount(mask);
                }
                for (; p < quadCount; p++)
                    if ((height > 1 ? u0[p] | u1[p] | u2[p] | u3[p] : u0[p]) != 0) pa[next++] = p;
                int count = next - start;
                if (8 * count > 7 * quadCount)
                {
                    next = start;
                    continue;
                }
                tileQuads[2 * g] = start;
                tileQuads[2 * g + 1] = count;
            }
    }

    /// <summary>One product's operands, by address: quantized rows, weights and where the results go.</summary>
    private readonly struct Product(uint* quads, ulong* signedQuads, float* rowScales, int* rowOffsets, int rowCount, int quadCount, int* active, int* tileQuads,
        uint* w, nint ldw, float* scales, int* sums, float* bias, float* y, nint ldy, Int8Kernel kernel)
    {
        /// <summary>Rows [row0, row0 + rows) and columns [col0, col0 + cols) of y. On VNNI and AVX2, whole tiles of
        /// <see cref="TileRows"/> rows first: each weight vector loaded then serves four rows, where row by row every multiply-add
        /// needs a weight load of its own (on VNNI the row kernels ran at a third of the tile's rate, Zen 5); then the rest row
        /// by row.</summary>
        public void Columns(int row0, int rows, int col0, int cols)
        {
            int* acc = stackalloc int[TileRows * 24];
            int tiledRows = kernel is Int8Kernel.Vnni or Int8Kernel.Avx2 ? rows / TileRows * TileRows : 0, end = col0 + cols, j = col0;
            if (tiledRows > 0)
            {
                // Column panels outermost: a 24-column panel of the weights (96 bytes per quad, 19 KB at 784 inputs) stays
                // in L1 while the row tiles stream past it. VNNI's tiles are 24, 16 and 8 columns wide, AVX2's 8.
                for (int width = kernel == Int8Kernel.Vnni ? 24 : 8; width >= 8; width -= 8)
                    for (; j + width <= end; j += width)
                        for (int r = row0; r < row0 + tiledRows; r += TileRows) Tile(width, r, j, acc);
                RowByRow(row0, tiledRows, j, end - j, acc);
            }
            RowByRow(row0 + tiledRows, rows - tiledRows, col0, cols, acc);
        }

        /// <summary>The list of row r's group (see <see cref="ActiveQuads"/>): its tile's while r is in a tile, which holds
        /// every quad the row needs, its own past the last tile.</summary>
        private int* GroupList(int r)
        {
            int tiledRows = rowCount / TileRows * TileRows;
            return tileQuads + 2 * (r < tiledRows ? r / TileRows : tiledRows / TileRows + r - tiledRows);
        }

        /// <summary>The tile of rows [r, r + 4) × columns [j, j + width), over its group's list or every quad, scaled back into y.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Tile(int width, int r, int j, int* acc)
        {
            int* list = GroupList(r);
            if (list[1] == quadCount) TileSums<EveryQuad>(width, r, null, quadCount, w + j, acc);
            else TileSums<ListedQuads>(width, r, active + list[0], list[1], w + j, acc);
            FinishTile(acc, width, r, j, signedSums: kernel == Int8Kernel.Avx2);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void TileSums<TQuads>(int width, int r, int* list, int count, uint* wj, int* acc) where TQuads : struct, IQuadOrder
        {
            if (kernel == Int8Kernel.Avx2) TileAvx2<TQuads>(signedQuads + r * quadCount, quadCount, list, count, wj, ldw, acc);
            else if (width == 24) TileVnni24<TQuads>(quads + r * quadCount, quadCount, list, count, wj, ldw, acc);
            else if (width == 16) TileVnni16<TQuads>(quads + r * quadCount, quadCount, list, count, wj, ldw, acc);
            else TileVnni8<TQuads>(quads + r * quadCount, quadCount, list, count, wj, ldw, acc);
        }

        /// <summary>One row's columns [j, end) in the VNNI row kernels' widths, down to the last four; returns where they stopped.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int RowVnni<TQuads>(uint* u, int* list, int count, int j, int end, float sx, int offset, float* yr, int* acc) where TQuads : struct, IQuadOrder
        {
            for (; j + 64 <= end; j += 64) { BlockVnni<TQuads>(u, list, count, w + j, ldw, acc); Finish(acc, 64, sx, offset, j, yr); }
            for (; j + 8 <= end; j += 8) { SingleVnni<TQuads>(u, list, count, w + j, ldw, acc); Finish(acc, 8, sx, offset, j, yr); }
            for (; j + 4 <= end; j += 4) { QuarterVnni<TQuads>(u, list, count, w + j, ldw, acc); Finish(acc, 4, sx, offset, j, yr); }
            return j;
        }

        /// <summary>As <see cref="RowVnni"/> on AVX2's kernels, which read the activations as signed 16-bit words.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int RowAvx2<TQuads>(ulong* a, int* list, int count, int j, int end, float sx, float* yr, int* acc) where TQuads : struct, IQuadOrder
        {
            for (; j + 32 <= end; j += 32) { BlockAvx2<TQuads>(a, list, count, w + j, ldw, acc); Finish(acc, 32, sx, 0, j, yr); }
            for (; j + 8 <= end; j += 8) { SingleAvx2<TQuads>(a, list, count, w + j, ldw, acc); Finish(acc, 8, sx, 0, j, yr); }
            return j;
        }

        /// <summary>The rows of a tile, <paramref name="width"/> columns each (a multiple of 8), from their row-major sums in
        /// <paramref name="acc"/>: of the stored bytes aᵢ + oᵣ, or of the aᵢ themselves when <paramref name="signedSums"/>.
        /// <see cref="Finish"/>'s arithmetic, column group by column group: each group's scales, sums and bias are loaded
        /// once for the four rows instead of once per row. Tiles run only on the VNNI and AVX2 kernels, so 256-bit vectors are
        /// always in hardware here.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void FinishTile(int* acc, int width, int row, int j, bool signedSums = false)
        {
            float* y0 = y + row * ldy + j, y1 = y0 + ldy, y2 = y1 + ldy, y3 = y2 + ldy;
            var s0 = Vector256.Create(rowScales[row]);
            var s1 = Vector256.Create(rowScales[row + 1]);
            var s2 = Vector256.Create(rowScales[row + 2]);
            var s3 = Vector256.Create(rowScales[row + 3]);
            // offset·sum is sum << 7 for a row stored with offset 128, else nothing.
            var k0 = Vector256.Create(signedSums || rowOffsets[row] == 0 ? 0 : -1);
            var k1 = Vector256.Create(signedSums || rowOffsets[row + 1] == 0 ? 0 : -1);
            var k2 = Vector256.Create(signedSums || rowOffsets[row + 2] == 0 ? 0 : -1);
            var k3 = Vector256.Create(signedSums || rowOffsets[row + 3] == 0 ? 0 : -1);
            for (int c = 0; c < width; c += 8)
            {
                var scale = Vector256.Load(scales + j + c);
                var shifted = Vector256.ShiftLeft(Vector256.Load(sums + j + c), 7);
                var b = Vector256.Load(bias + j + c);
                Vector256.Store((s0 * scale) * Vector256.ConvertToSingle(Vector256.Load(acc + c) - (shifted & k0)) + b, y0 + c);
                Vector256.Store((s1 * scale) * Vector256.ConvertToSingle(Vector256.Load(acc + width + c) - (shifted & k1)) + b, y1 + c);
                Vector256.Store((s2 * scale) * Vector256.ConvertToSingle(Vector256.Load(acc + 2 * width + c) - (shifted & k2)) + b, y2 + c);
                Vector256.Store((s3 * scale) * Vector256.ConvertToSingle(Vector256.Load(acc + 3 * width + c) - (shifted & k3)) + b, y3 + c);
            }
        }

        /// <summary>Rows [row0, row0 + rows) one at a time, each over columns [col0, col0 + cols): the widest block of the
        /// kernel first, then narrower ones, then single columns.</summary>
        private void RowByRow(int row0, int rows, int col0, int cols, int* acc)
        {
            int end = col0 + cols;
            for (int r = row0; r < row0 + rows; r++)
            {
                uint* u = quads + r * quadCount;
                float* yr = y + r * ldy;
                float sx = rowScales[r];
                int offset = rowOffsets[r], j = col0;
                if (kernel is Int8Kernel.Vnni or Int8Kernel.Avx2)
                {
                    int* list = GroupList(r);
                    ulong* a = signedQuads + r * quadCount;
                    if (kernel == Int8Kernel.Vnni)
                        j = list[1] == quadCount ? RowVnni<EveryQuad>(u, null, quadCount, j, end, sx, offset, yr, acc)
                            : RowVnni<ListedQuads>(u, active + list[0], list[1], j, end, sx, offset, yr, acc);
                    else
                        j = list[1] == quadCount ? RowAvx2<EveryQuad>(a, null, quadCount, j, end, sx, yr, acc)
                            : RowAvx2<ListedQuads>(a, active + list[0], list[1], j, end, sx, yr, acc);
                }
                else if (kernel == Int8Kernel.ArmDot)
                {
                    // sdot multiplies signed bytes: a row stored with 128 added gets its top bits flipped back.
                    uint flip = offset == 0 ? 0u : 0x8080_8080u;
                    for (; j + 32 <= end; j += 32) { BlockArmDot(u, quadCount, flip, w + j, ldw, acc); Finish(acc, 32, sx, 0, j, yr); }
                    for (; j + 4 <= end; j += 4) { SingleArmDot(u, quadCount, flip, w + j, ldw, acc); Finish(acc, 4, sx, 0, j, yr); }
                }
                for (; j + 4 <= end; j += 4) { SinglePortable(u, quadCount, w + j, ldw, acc); Finish(acc, 4, sx, offset, j, yr); }
                for (; j < end; j++) { acc[0] = SumScalar(u, quadCount, w + j, ldw); Finish(acc, 1, sx, offset, j, yr); }
            }
        }

        /// <summary>y[j + c] = b + (sₓ·scale)·(acc[c] − offset·sum) for c in [0, count), where acc holds sums of the bytes
        /// aᵢ + offset (offset 0: sums of the aᵢ themselves): the integer Σ aᵢ·q exactly, then one float32 multiply and one
        /// add, on every path.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Finish(int* acc, int count, float sx, int offset, int j, float* yr)
        {
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var rowScale = Vector256.Create(sx);
                var keep = Vector256.Create(offset == 0 ? 0 : -1); // offset·sum is sum << 7, or nothing
                for (; c + 8 <= count; c += 8)
                {
                    var d = Vector256.Load(acc + c) - (Vector256.ShiftLeft(Vector256.Load(sums + j + c), 7) & keep);
                    var factor = rowScale * Vector256.Load(scales + j + c);
                    Vector256.Store(factor * Vector256.ConvertToSingle(d) + Vector256.Load(bias + j + c), yr + j + c);
                }
            }
            for (; c < count; c++)
            {
                float factor = sx * scales[j + c];
                yr[j + c] = factor * (float)(acc[c] - offset * sums[j + c]) + bias[j + c];
            }
        }
    }

    /// <summary>Σ over the <paramref name="count"/> quads of <typeparamref name="TQuads"/> of u · w for 64 columns (eight
    /// accumulators: VNNI's latency needs that many in flight).</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void BlockVnni<TQuads>(uint* u, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        uint* first = w;
        for (int t = 0; t < count; t++, w += ldw)
        {
            nint p = TQuads.At(active, t);
            uint* wp = TQuads.Listed ? first + p * ldw : w;
            var x = Vector256.Create(u[p]).AsByte();
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.Load(wp).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, Vector256.Load(wp + 8).AsSByte());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, Vector256.Load(wp + 16).AsSByte());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, Vector256.Load(wp + 24).AsSByte());
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, x, Vector256.Load(wp + 32).AsSByte());
            a5 = AvxVnni.MultiplyWideningAndAdd(a5, x, Vector256.Load(wp + 40).AsSByte());
            a6 = AvxVnni.MultiplyWideningAndAdd(a6, x, Vector256.Load(wp + 48).AsSByte());
            a7 = AvxVnni.MultiplyWideningAndAdd(a7, x, Vector256.Load(wp + 56).AsSByte());
        }
        a0.Store(acc); a1.Store(acc + 8); a2.Store(acc + 16); a3.Store(acc + 24); a4.Store(acc + 32); a5.Store(acc + 40); a6.Store(acc + 48); a7.Store(acc + 56);
    }

    /// <summary>Σ over the quads of u · w for 8 columns. Four accumulators, each taking every fourth quad: one alone waited out
    /// VNNI's latency on every quad (the 784 × 8 product ran at a sixth of the 64-column block's rate, Zen 5). Integer sums
    /// do not depend on their order, so the split changes no bit.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void SingleVnni<TQuads>(uint* u, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
        int t = 0;
        for (; t + 4 <= count; t += 4)
        {
            nint p0 = TQuads.At(active, t), p1 = TQuads.At(active, t + 1), p2 = TQuads.At(active, t + 2), p3 = TQuads.At(active, t + 3);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.Create(u[p0]).AsByte(), Vector256.Load(w + p0 * ldw).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector256.Create(u[p1]).AsByte(), Vector256.Load(w + p1 * ldw).AsSByte());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, Vector256.Create(u[p2]).AsByte(), Vector256.Load(w + p2 * ldw).AsSByte());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, Vector256.Create(u[p3]).AsByte(), Vector256.Load(w + p3 * ldw).AsSByte());
        }
        for (; t < count; t++)
        {
            nint p = TQuads.At(active, t);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector256.Create(u[p]).AsByte(), Vector256.Load(w + p * ldw).AsSByte());
        }
        ((a0 + a1) + (a2 + a3)).Store(acc);
    }

    /// <summary>The quads a tile kernel visits, the t-th of them: <see cref="EveryQuad"/> or <see cref="ListedQuads"/>. The
    /// kernels are generic over it so that each list gets its own compiled loop: a list of every quad read index by index cost
    /// dense data a few per cent.</summary>
    private interface IQuadOrder
    {
        /// <summary>False when the t-th quad is quad t, so that the kernel can step through the weights row by row.</summary>
        static abstract bool Listed { get; }
        static abstract nint At(int* active, int t);
    }

    /// <summary>Every quad, in order: the tile has rows with offset 128, or no quad that is zero in all its rows.</summary>
    private readonly struct EveryQuad : IQuadOrder
    {
        public static bool Listed => false;
        public static nint At(int* active, int t) => t;
    }

    /// <summary>The quads of <see cref="ActiveQuads"/>' list.</summary>
    private readonly struct ListedQuads : IQuadOrder
    {
        public static bool Listed => true;
        public static nint At(int* active, int t) => active[t];
    }

    /// <summary>Rows in a tile of <see cref="TileVnni24"/>, <see cref="TileVnni16"/> and <see cref="TileVnni8"/>.</summary>
    private const int TileRows = 4;

    /// <summary>
    /// Σ over the quads of u · w for four rows (consecutive, <paramref name="quadCount"/> words apart) × 24 columns, into
    /// <paramref name="acc"/> row-major, over the <paramref name="count"/> quads listed in <paramref name="active"/> (the others
    /// are zero in all four rows: see <see cref="ActiveQuads"/>). Per quad three weight loads and four activation broadcasts
    /// feed 12 <c>vpdpbusd</c>; the list costs one more load, which the loop has room for (a list of every quad ran at the
    /// rate of the plain loop, 246–249 against 250 GMAC/s, and one of 47 % of them at 226–250, Zen 5).
    /// 12 accumulators + 3 weights + 1 broadcast fill the 16 registers of a processor without AVX-512 exactly. In a stand-alone
    /// loop at 1000 × 784 × 400 (Zen 5): 250–264 GMAC/s, two instructions per cycle, the core's peak, with or without
    /// AVX-512; six rows × 32 columns ran at 205–242 with AVX-512's 32 registers and at 170 without them (spills); the
    /// 8-column row kernel ran the same product at 80.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void TileVnni24<TQuads>(uint* u, int quadCount, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<int> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        uint* u0 = u, u1 = u0 + quadCount, u2 = u1 + quadCount, u3 = u2 + quadCount, first = w;
        for (int t = 0; t < count; t++, w += ldw)
        {
            nint p = TQuads.At(active, t);
            uint* wp = TQuads.Listed ? first + p * ldw : w;
            var w0 = Vector256.Load(wp).AsSByte();
            var w1 = Vector256.Load(wp + 8).AsSByte();
            var w2 = Vector256.Load(wp + 16).AsSByte();
            var x = Vector256.Create(u0[p]).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, w0); c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, w1); c02 = AvxVnni.MultiplyWideningAndAdd(c02, x, w2);
            x = Vector256.Create(u1[p]).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, w0); c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, w1); c12 = AvxVnni.MultiplyWideningAndAdd(c12, x, w2);
            x = Vector256.Create(u2[p]).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, w0); c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, w1); c22 = AvxVnni.MultiplyWideningAndAdd(c22, x, w2);
            x = Vector256.Create(u3[p]).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, w0); c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, w1); c32 = AvxVnni.MultiplyWideningAndAdd(c32, x, w2);
        }
        c00.Store(acc); c01.Store(acc + 8); c02.Store(acc + 16);
        c10.Store(acc + 24); c11.Store(acc + 32); c12.Store(acc + 40);
        c20.Store(acc + 48); c21.Store(acc + 56); c22.Store(acc + 64);
        c30.Store(acc + 72); c31.Store(acc + 80); c32.Store(acc + 88);
    }

    /// <summary>As <see cref="TileVnni24"/> for 16 columns: the 16 that a 400- or 784-wide layer, or a 20-wide head, has past
    /// its last 24.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void TileVnni16<TQuads>(uint* u, int quadCount, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        uint* u0 = u, u1 = u0 + quadCount, u2 = u1 + quadCount, u3 = u2 + quadCount, first = w;
        for (int t = 0; t < count; t++, w += ldw)
        {
            nint p = TQuads.At(active, t);
            uint* wp = TQuads.Listed ? first + p * ldw : w;
            var w0 = Vector256.Load(wp).AsSByte();
            var w1 = Vector256.Load(wp + 8).AsSByte();
            var x = Vector256.Create(u0[p]).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, w0); c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, w1);
            x = Vector256.Create(u1[p]).AsByte();
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, w0); c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, w1);
            x = Vector256.Create(u2[p]).AsByte();
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, w0); c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, w1);
            x = Vector256.Create(u3[p]).AsByte();
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, w0); c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, w1);
        }
        c00.Store(acc); c01.Store(acc + 8); c10.Store(acc + 16); c11.Store(acc + 24);
        c20.Store(acc + 32); c21.Store(acc + 40); c30.Store(acc + 48); c31.Store(acc + 56);
    }

    /// <summary>As <see cref="TileVnni24"/> for 8 columns: four chains, one per row.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void TileVnni8<TQuads>(uint* u, int quadCount, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
        uint* u0 = u, u1 = u0 + quadCount, u2 = u1 + quadCount, u3 = u2 + quadCount, first = w;
        for (int t = 0; t < count; t++, w += ldw)
        {
            nint p = TQuads.At(active, t);
            var wv = Vector256.Load(TQuads.Listed ? first + p * ldw : w).AsSByte();
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, Vector256.Create(u0[p]).AsByte(), wv);
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, Vector256.Create(u1[p]).AsByte(), wv);
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, Vector256.Create(u2[p]).AsByte(), wv);
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, Vector256.Create(u3[p]).AsByte(), wv);
        }
        c0.Store(acc); c1.Store(acc + 8); c2.Store(acc + 16); c3.Store(acc + 24);
    }

    /// <summary>
    /// As <see cref="BlockAvx2"/> for four rows (consecutive, <paramref name="quadCount"/> words apart) × 8 columns: each quad's
    /// 32 weight bytes widen to 16 bits once and serve four rows' <c>vpmaddwd</c>. The pair sums of the two halves accumulate
    /// apart and meet in one <c>vphaddd</c> at the end (it adds exact integers, so once is the same as every quad), then go
    /// back into column order. 8 accumulators + 2 weights + 1 broadcast: within 16 registers.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void TileAvx2<TQuads>(ulong* a, int quadCount, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default, l3 = default, h3 = default;
        ulong* a0 = a, a1 = a0 + quadCount, a2 = a1 + quadCount, a3 = a2 + quadCount;
        uint* first = w;
        for (int t = 0; t < count; t++, w += ldw)
        {
            nint p = TQuads.At(active, t);
            sbyte* wp = (sbyte*)(TQuads.Listed ? first + p * ldw : w);
            var lo = Avx2.ConvertToVector256Int16(wp);
            var hi = Avx2.ConvertToVector256Int16(wp + 16);
            var x = Vector256.Create(a0[p]).AsInt16();
            l0 += Avx2.MultiplyAddAdjacent(lo, x); h0 += Avx2.MultiplyAddAdjacent(hi, x);
            x = Vector256.Create(a1[p]).AsInt16();
            l1 += Avx2.MultiplyAddAdjacent(lo, x); h1 += Avx2.MultiplyAddAdjacent(hi, x);
            x = Vector256.Create(a2[p]).AsInt16();
            l2 += Avx2.MultiplyAddAdjacent(lo, x); h2 += Avx2.MultiplyAddAdjacent(hi, x);
            x = Vector256.Create(a3[p]).AsInt16();
            l3 += Avx2.MultiplyAddAdjacent(lo, x); h3 += Avx2.MultiplyAddAdjacent(hi, x);
        }
        var order = Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l0, h0), order).Store(acc);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l1, h1), order).Store(acc + 8);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l2, h2), order).Store(acc + 16);
        Avx2.PermuteVar8x32(Avx2.HorizontalAdd(l3, h3), order).Store(acc + 24);
    }

    /// <summary>Σ over the quads of u · w for 4 columns, VNNI on 128 bits: a 20-wide head ends in four columns, which would
    /// otherwise fall to the portable kernel's shifts and 32-bit multiplies.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void QuarterVnni<TQuads>(uint* u, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        int t = 0;
        for (; t + 4 <= count; t += 4)
        {
            nint p0 = TQuads.At(active, t), p1 = TQuads.At(active, t + 1), p2 = TQuads.At(active, t + 2), p3 = TQuads.At(active, t + 3);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector128.Create(u[p0]).AsByte(), Vector128.Load(w + p0 * ldw).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, Vector128.Create(u[p1]).AsByte(), Vector128.Load(w + p1 * ldw).AsSByte());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, Vector128.Create(u[p2]).AsByte(), Vector128.Load(w + p2 * ldw).AsSByte());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, Vector128.Create(u[p3]).AsByte(), Vector128.Load(w + p3 * ldw).AsSByte());
        }
        for (; t < count; t++)
        {
            nint p = TQuads.At(active, t);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, Vector128.Create(u[p]).AsByte(), Vector128.Load(w + p * ldw).AsSByte());
        }
        ((a0 + a1) + (a2 + a3)).Store(acc);
    }

    /// <summary>
    /// Σ over the quads of a · w for 32 columns without VNNI (AVX2): the 32 weight bytes of 8 columns widen to 16 bits in two
    /// halves, <c>vpmaddwd</c> multiplies them by the quad's four signed 16-bit activations and adds the products in pairs, and
    /// <c>vphaddd</c> adds the pairs, giving the 8 columns in the order 0, 1, 4, 5, 2, 3, 6, 7, put back once at the end. The
    /// products fit 16 × 16 → 32 bits exactly, so the sums are VNNI's. Four groups of 8 columns keep four chains in flight.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void BlockAvx2<TQuads>(ulong* a, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> s0 = default, s1 = default, s2 = default, s3 = default;
        uint* first = w;
        for (int t = 0; t < count; t++, w += ldw)
        {
            nint p = TQuads.At(active, t);
            uint* wp = TQuads.Listed ? first + p * ldw : w;
            var x = Vector256.Create(a[p]).AsInt16();
            s0 += Pairs(x, (sbyte*)wp);
            s1 += Pairs(x, (sbyte*)(wp + 8));
            s2 += Pairs(x, (sbyte*)(wp + 16));
            s3 += Pairs(x, (sbyte*)(wp + 24));
        }
        var order = Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7);
        Avx2.PermuteVar8x32(s0, order).Store(acc); Avx2.PermuteVar8x32(s1, order).Store(acc + 8);
        Avx2.PermuteVar8x32(s2, order).Store(acc + 16); Avx2.PermuteVar8x32(s3, order).Store(acc + 24);
    }

    [MethodImpl(HotPath.Kernel)]
    private static void SingleAvx2<TQuads>(ulong* a, int* active, int count, uint* w, nint ldw, int* acc) where TQuads : struct, IQuadOrder
    {
        Vector256<int> s0 = default, s1 = default;
        int t = 0;
        for (; t + 2 <= count; t += 2)
        {
            nint p0 = TQuads.At(active, t), p1 = TQuads.At(active, t + 1);
            s0 += Pairs(Vector256.Create(a[p0]).AsInt16(), (sbyte*)(w + p0 * ldw));
            s1 += Pairs(Vector256.Create(a[p1]).AsInt16(), (sbyte*)(w + p1 * ldw));
        }
        if (t < count)
        {
            nint p = TQuads.At(active, t);
            s0 += Pairs(Vector256.Create(a[p]).AsInt16(), (sbyte*)(w + p * ldw));
        }
        Avx2.PermuteVar8x32(s0 + s1, Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7)).Store(acc);
    }

    /// <summary>
    /// Σ over the quads of a · w for 32 columns on Arm64's dot product (<c>sdot</c>: four signed byte products added into each
    /// 32-bit lane, the layout VNNI reads too), with the activations signed: the stored byte with its top bit flipped
    /// (<paramref name="flip"/>) when the row was stored with 128 added, the stored byte itself when not. Eight accumulators,
    /// for the instruction's latency.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void BlockArmDot(uint* u, int quadCount, uint flip, uint* w, nint ldw, int* acc)
    {
        Vector128<int> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int p = 0; p < quadCount; p++, w += ldw)
        {
            var x = Vector128.Create(u[p] ^ flip).AsSByte();
            s0 = Dp.DotProduct(s0, Vector128.Load(w).AsSByte(), x); s1 = Dp.DotProduct(s1, Vector128.Load(w + 4).AsSByte(), x);
            s2 = Dp.DotProduct(s2, Vector128.Load(w + 8).AsSByte(), x); s3 = Dp.DotProduct(s3, Vector128.Load(w + 12).AsSByte(), x);
            s4 = Dp.DotProduct(s4, Vector128.Load(w + 16).AsSByte(), x); s5 = Dp.DotProduct(s5, Vector128.Load(w + 20).AsSByte(), x);
            s6 = Dp.DotProduct(s6, Vector128.Load(w + 24).AsSByte(), x); s7 = Dp.DotProduct(s7, Vector128.Load(w + 28).AsSByte(), x);
        }
        s0.Store(acc); s1.Store(acc + 4); s2.Store(acc + 8); s3.Store(acc + 12);
        s4.Store(acc + 16); s5.Store(acc + 20); s6.Store(acc + 24); s7.Store(acc + 28);
    }

    [MethodImpl(HotPath.Kernel)]
    private static void SingleArmDot(uint* u, int quadCount, uint flip, uint* w, nint ldw, int* acc)
    {
        Vector128<int> s0 = default, s1 = default;
        int p = 0;
        for (; p + 2 <= quadCount; p += 2, w += 2 * ldw)
        {
            s0 = Dp.DotProduct(s0, Vector128.Load(w).AsSByte(), Vector128.Create(u[p] ^ flip).AsSByte());
            s1 = Dp.DotProduct(s1, Vector128.Load(w + ldw).AsSByte(), Vector128.Create(u[p + 1] ^ flip).AsSByte());
        }
        if (p < quadCount) s0 = Dp.DotProduct(s0, Vector128.Load(w).AsSByte(), Vector128.Create(u[p] ^ flip).AsSByte());
        (s0 + s1).Store(acc);
    }

    /// <summary>One quad of 8 columns: lanes hold the columns 0, 1, 4, 5, 2, 3, 6, 7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Pairs(Vector256<short> x, sbyte* w)
        => Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(w), x), Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(w + 16), x));

    /// <summary>Four columns without VNNI: each word's bytes sign-extended by shifts, times the four unsigned activations.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void SinglePortable(uint* u, int quadCount, uint* w, nint ldw, int* acc)
    {
        Vector128<int> a = default;
        for (int p = 0; p < quadCount; p++, w += ldw)
        {
            uint x = u[p];
            var v = Vector128.Load(w).AsInt32();
            a += Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(v, 24), 24) * (int)(x & 0xFF)
               + Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(v, 16), 24) * (int)((x >> 8) & 0xFF)
               + Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(v, 8), 24) * (int)((x >> 16) & 0xFF)
               + Vector128.ShiftRightArithmetic(v, 24) * (int)(x >> 24);
        }
        a.Store(acc);
    }

    private static int SumScalar(uint* u, int quadCount, uint* w, nint ldw)
    {
        int sum = 0;
        for (int p = 0; p < quadCount; p++, w += ldw)
            for (int b = 0; b < 4; b++)
                sum += (sbyte)(*w >> (8 * b)) * (int)((u[p] >> (8 * b)) & 0xFF);
        return sum;
    }

    /// <summary>Column ranges of one product, one per item, as equal as multiples of 8 allow. Multiples of 64 (the row kernel's
    /// block) split 400 columns 256 + 144 and 784 as 448 + 336, and a 1000-row int8 reconstruct on two threads ran only 1.4×
    /// its one-thread speed (Zen 5); the tiles take any multiple of 8.</summary>
    private sealed class ParallelInt8 : IParallelWork
    {
        private Product _product;
        private int _rows, _columns, _width;
        public int Parts { get; private set; }

        public void Set(Product product, int rows, int columns, int threads)
        {
            _product = product; _rows = rows; _columns = columns;
            _width = ((columns + threads - 1) / threads + 7) / 8 * 8;
            Parts = (columns + _width - 1) / _width;
        }

        public void Execute(int item, int worker)
        {
            int start = item * _width;
            _product.Columns(0, _rows, start, Math.Min(_width, _columns - start));
        }
    }
}
