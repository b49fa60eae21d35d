using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>Matrix transpose, in 8×8 register blocks where AVX is available.</summary>
internal static unsafe class Transpose
{
    /// <summary>destination = sourceᵀ; <paramref name="destination"/> must be [source.Columns × source.Rows].</summary>
    public static void Apply(ReadOnlyMatrixSpan source, MatrixSpan destination)
        => Rows(source, destination, 0, source.Rows);

    /// <summary>Transposes source rows [<paramref name="rowStart"/>, +<paramref name="rowCount"/>) into the matching
    /// destination columns, so several threads can share one transpose.</summary>
    [MethodImpl(HotPath.Kernel)]
    public static void Rows(ReadOnlyMatrixSpan source, MatrixSpan destination, int rowStart, int rowCount)
    {
        Shape.Check(destination, source.Columns, source.Rows, nameof(destination));
        if ((uint)rowStart > (uint)source.Rows || (uint)rowCount > (uint)(source.Rows - rowStart))
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows [{rowStart}, {rowStart + rowCount}) are outside {source.Rows}");
        if (rowCount == 0 || source.Columns == 0) return;
        int rows = source.Rows, cols = source.Columns;
        nint ls = source.Stride, ld = destination.Stride;
        fixed (float* s = source.Data, d = destination.Data)
        {
            int r = rowStart, rowEnd = rowStart + rowCount;
            if (Avx.IsSupported)
            {
                for (; r + 8 <= rowEnd; r += 8)
                {
                    int c = 0;
                    for (; c + 8 <= cols; c += 8) Block8x8(s + r * ls + c, ls, d + c * ld + r, ld);
                    for (; c < cols; c++)
                        for (int i = 0; i < 8; i++) d[c * ld + r + i] = s[(r + i) * ls + c];
                }
            }
            for (; r < rowEnd; r++)
                for (int c = 0; c < cols; c++) d[c * ld + r] = s[r * ls + c];
        }
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
