using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>Matrix transpose, in 8×8 (and 4×8, 2×8) register blocks where AVX is available, else in 4×4 blocks of 128-bit
/// registers (SSE, AdvSimd), else element by element.</summary>
internal static unsafe class Transpose
{
    /// <summary>destination = sourceᵀ; <paramref name="destination"/> must be [source.Columns × source.Rows].</summary>
    public static void Apply(ReadOnlyMatrixSpan source, MatrixSpan destination)
        => Rows(source, destination, 0, source.Rows);

    /// <summary>Transposes source rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) into the matching
    /// destination columns, so several threads can share one transpose.</summary>
    public static void Rows(ReadOnlyMatrixSpan source, MatrixSpan destination, int rowStart, int rowCount)
        => Rows(source, destination, rowStart, rowCount, Avx.IsSupported, Is128BitSupported);

    /// <summary>Whether the 4×4 transpose in 128-bit registers runs here (SSE on x64, AdvSimd on Arm64).</summary>
    internal static bool Is128BitSupported => Sse.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>The same, with the 256-bit or both vector paths switched off (tests run every path on one machine).</summary>
    [MethodImpl(HotPath.Kernel)]
    internal static void Rows(ReadOnlyMatrixSpan source, MatrixSpan destination, int rowStart, int rowCount, bool avx, bool vector128)
    {
        Shape.Check(destination, source.Columns, source.Rows, nameof(destination));
        if ((uint)rowStart > (uint)source.Rows || (uint)rowCount > (uint)(source.Rows - rowStart))
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows [{rowStart}, {rowStart + rowCount}) are outside {source.Rows}");
        if (rowCount == 0 || source.Columns == 0) return;
        int cols = source.Columns;
        nint ls = source.Stride, ld = destination.Stride;
        fixed (float* s = source.Data, d = destination.Data)
        {
            if (avx && Avx.IsSupported && cols >= 8)
            {
                // Rows in groups of 16 (two 8×8 blocks per column block, which fill a 64-byte line of each destination row
                // together: the Wᵀ refresh alone ran 1.2–1.3× faster than in groups of 8 on Zen 3), then one of 8, 4, 2 and 1, so
                // a block of any height stays vectorized and writes nothing outside its own rows: threads sharing the
                // transpose write disjoint columns. A ragged last column block is the full block that ends at the edge,
                // overlapping the one before it, within the same rows.
                int r = rowStart, rowEnd = rowStart + rowCount;
                for (; r + 16 <= rowEnd; r += 16) ColumnBlocks(s + r * ls, ls, d + r, ld, cols, 16);
                if (r + 8 <= rowEnd) { ColumnBlocks(s + r * ls, ls, d + r, ld, cols, 8); r += 8; }
                if (r + 4 <= rowEnd) { ColumnBlocks(s + r * ls, ls, d + r, ld, cols, 4); r += 4; }
                if (r + 2 <= rowEnd) { ColumnBlocks(s + r * ls, ls, d + r, ld, cols, 2); r += 2; }
                if (r < rowEnd)
                    for (int c = 0; c < cols; c++) d[c * ld + r] = s[r * ls + c];
                return;
            }
            int row = rowStart;
            if (vector128 && Is128BitSupported && cols >= 4)
            {
                // Without AVX (Arm64, older x64): 4×4 blocks, the ragged last column block overlapping as above.
                for (; row + 4 <= rowStart + rowCount; row += 4)
                    for (int c = 0; c < cols; c += 4)
                    {
                        int c0 = Math.Min(c, cols - 4);
                        Block4x4(s + row * ls + c0, ls, d + c0 * ld + row, ld);
                    }
            }
            for (; row < rowStart + rowCount; row++)
                for (int c = 0; c < cols; c++) d[c * ld + row] = s[row * ls + c];
        }
    }

    // Four rows of four into four columns: interleave the rows in pairs of lanes, then in pairs of pairs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x4(float* s, nint ls, float* d, nint ld)
    {
        Vector128<float> r0 = Vector128.Load(s), r1 = Vector128.Load(s + ls), r2 = Vector128.Load(s + 2 * ls), r3 = Vector128.Load(s + 3 * ls);
        var (t0, t1) = ZipLanes(r0, r1);   // r0₀ r1₀ r0₁ r1₁ | r0₂ r1₂ r0₃ r1₃
        var (t2, t3) = ZipLanes(r2, r3);
        var (c0, c1) = ZipPairs(t0, t2);   // column 0 | column 1
        var (c2, c3) = ZipPairs(t1, t3);
        c0.Store(d); c1.Store(d + ld); c2.Store(d + 2 * ld); c3.Store(d + 3 * ld);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Low, Vector128<float> High) ZipLanes(Vector128<float> x, Vector128<float> y)
        => Sse.IsSupported ? (Sse.UnpackLow(x, y), Sse.UnpackHigh(x, y)) : (AdvSimd.Arm64.ZipLow(x, y), AdvSimd.Arm64.ZipHigh(x, y));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Low, Vector128<float> High) ZipPairs(Vector128<float> x, Vector128<float> y)
        => Sse.IsSupported
            ? (Sse.MoveLowToHigh(x, y), Sse.MoveHighToLow(y, x))
            : (AdvSimd.Arm64.ZipLow(x.AsUInt64(), y.AsUInt64()).AsSingle(), AdvSimd.Arm64.ZipHigh(x.AsUInt64(), y.AsUInt64()).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnBlocks(float* s, nint ls, float* d, nint ld, int cols, int rows)
    {
        for (int c = 0; c < cols; c += 8)
        {
            int c0 = Math.Min(c, cols - 8);
            if (rows == 16)
            {
                Block8x8(s + c0, ls, d + c0 * ld, ld);
                Block8x8(s + 8 * ls + c0, ls, d + c0 * ld + 8, ld);
            }
            else if (rows == 8) Block8x8(s + c0, ls, d + c0 * ld, ld);
            else if (rows == 4) Block4x8(s + c0, ls, d + c0 * ld, ld);
            else Block2x8(s + c0, ls, d + c0 * ld, ld);
        }
    }

    // Four rows of eight into eight rows of four: the first two steps of the 8×8 transpose, each 128-bit half stored alone.
    private static void Block4x8(float* s, nint ls, float* d, nint ld)
    {
        Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ls), r2 = Avx.LoadVector256(s + 2 * ls), r3 = Avx.LoadVector256(s + 3 * ls);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        Sse.Store(d, u0.GetLower()); Sse.Store(d + ld, u1.GetLower()); Sse.Store(d + 2 * ld, u2.GetLower()); Sse.Store(d + 3 * ld, u3.GetLower());
        Sse.Store(d + 4 * ld, u0.GetUpper()); Sse.Store(d + 5 * ld, u1.GetUpper()); Sse.Store(d + 6 * ld, u2.GetUpper()); Sse.Store(d + 7 * ld, u3.GetUpper());
    }

    // Two rows of eight into eight rows of two: interleave the rows, then store each 64-bit pair alone.
    private static void Block2x8(float* s, nint ls, float* d, nint ld)
    {
        Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ls);
        var low = Avx.UnpackLow(r0, r1);   // columns 0, 1 | 4, 5
        var high = Avx.UnpackHigh(r0, r1); // columns 2, 3 | 6, 7
        Sse.StoreLow(d, low.GetLower()); Sse.StoreHigh(d + ld, low.GetLower());
        Sse.StoreLow(d + 2 * ld, high.GetLower()); Sse.StoreHigh(d + 3 * ld, high.GetLower());
        Sse.StoreLow(d + 4 * ld, low.GetUpper()); Sse.StoreHigh(d + 5 * ld, low.GetUpper());
        Sse.StoreLow(d + 6 * ld, high.GetUpper()); Sse.StoreHigh(d + 7 * ld, high.GetUpper());
    }

    // The classic AVX 8×8 transpose: interleave pairs, then quads, then swap 128-bit halves.
    internal static void Block8x8(float* s, nint ls, float* d, nint ld)
        => Block8(Avx.LoadVector256(s), Avx.LoadVector256(s + ls), Avx.LoadVector256(s + 2 * ls), Avx.LoadVector256(s + 3 * ls),
            Avx.LoadVector256(s + 4 * ls), Avx.LoadVector256(s + 5 * ls), Avx.LoadVector256(s + 6 * ls), Avx.LoadVector256(s + 7 * ls), d, ld);

    /// <summary>
    /// Six rows of eight (<paramref name="s"/>, <paramref name="ls"/> apart) into eight rows of six packed back to back at
    /// <paramref name="d"/> (the GEMM's 6-row A panel layout [k][6]). Each output row is stored eight wide, ascending, so its
    /// two spare lanes land on the start of the next row, which overwrites them; the last store writes two floats past
    /// d + 48, which the caller must own.
    /// </summary>
    internal static void Block6x8Packed(float* s, nint ls, float* d)
        => Block8(Avx.LoadVector256(s), Avx.LoadVector256(s + ls), Avx.LoadVector256(s + 2 * ls), Avx.LoadVector256(s + 3 * ls),
            Avx.LoadVector256(s + 4 * ls), Avx.LoadVector256(s + 5 * ls), Vector256<float>.Zero, Vector256<float>.Zero, d, 6);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* d, nint ld)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ld, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ld, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ld, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ld, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ld, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ld, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ld, Avx.Permute2x128(u3, u7, 0x31));
    }
}
