using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

internal static unsafe partial class GemmDriver
{
    /// <summary>Rows of C that one pass of <see cref="NarrowPanel8"/> or <see cref="NarrowPanel4"/> computes: two 16-lane vectors.</summary>
    private const int NarrowRows = 32;

    /// <summary>Widest C that <see cref="MultiplyNarrow"/> takes.</summary>
    private const int NarrowMaxColumns = 48;

    /// <summary>Depth of one packed block of A (256 × 32 floats, 32 KiB), so that the buffer does not grow with k. At k = 400
    /// it ran as fast as one block of all of k, which the column groups read from L2 (Zen 5).</summary>
    private const int NarrowDepth = 256;

    [ThreadStatic] private static CacheAlignedFloats? s_narrowA;
    [ThreadStatic] private static CacheAlignedFloats? s_narrowB;

    /// <summary>
    /// Whether C's columns waste the AVX-512 tile's lanes, so that <see cref="MultiplyNarrow"/> runs it: at most 48 columns and
    /// not a multiple of 16, where the 32-wide tile and its 16-wide half compute more columns than C has (the 20-wide dX of a
    /// 20-unit latent layer used 20 of 32 lanes), and at least one full panel of rows. `benchmarks/peers/gemm-ab.sh`, one
    /// thread, 5 rounds (Zen 5): the 20-wide dX ([128 × 400]·[400 × 20]) 104 → 146 GFLOP/s, 0.81× → 1.16× numpy's sgemm; the
    /// 40-wide forward ([128 × 400]·[400 × 40]) 1.04×.
    /// </summary>
    private static bool RunsNarrow(int m, int n, GemmPath path)
        => path == GemmPath.Vector512 && m >= NarrowRows && n <= NarrowMaxColumns && n % 16 != 0;

    /// <summary>
    /// C[:, 0 .. n] (+)= op(A)·op(B) for a narrow C, with the vector lanes along C's rows instead of its columns: op(A) is packed
    /// into panels of 32 rows laid out [k][32], a depth block at a time; op(B) is read in place or copied into rows padded to a
    /// multiple of 4; and each pass of k holds 32 rows × 8 (or 4) columns in 16 (or 8) accumulators, one broadcast of B per
    /// column and step. Every element is still the fused multiply-add chain over k in order, from 0, C or the bias (a·b and
    /// b·a round alike), so the bits are those of the blocked product: this only changes which lanes hold which element.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    private static void MultiplyNarrow(Operand opA, Operand opB, float* pc, nint ldc, int m, int k, int n, bool overwrite, float* bias)
    {
        // B's rows are read in place when they are contiguous and every column group is whole (the kernels read 8 or 4
        // floats of each row); otherwise copied into rows padded with zeros to a multiple of 4.
        float* packedB;
        nint width;
        if (opB.ColStep == 1 && n % 4 == 0) { packedB = opB.Data; width = opB.RowStep; }
        else
        {
            width = (n + 3) / 4 * 4;
            packedB = Rent(ref s_narrowB, k * (int)width);
            for (int p = 0; p < k; p++)
            {
                int j = 0;
                for (; j < n; j++) packedB[p * width + j] = *opB.At(p, j);
                for (; j < width; j++) packedB[p * width + j] = 0f;
            }
        }
        float* packedA = Rent(ref s_narrowA, NarrowDepth * NarrowRows);
        // Every column's chains for one panel of rows, column by column ([j][32]), carried from one depth block to the next.
        float* tiles = stackalloc float[NarrowMaxColumns * NarrowRows];
        int groups = (n + 7) / 8 * 8;
        for (int row0 = 0; row0 < m; row0 += NarrowRows)
        {
            int rows = Math.Min(NarrowRows, m - row0);
            // The start of each chain: 0, the bias, or C's value (0 in the padding, which is never stored).
            for (int j = 0; j < groups; j++)
                for (int i = 0; i < NarrowRows; i++)
                    tiles[j * NarrowRows + i] = overwrite || i >= rows || j >= n ? 0f : bias != null ? bias[j] : pc[(row0 + i) * ldc + j];
            for (int p0 = 0; p0 < k; p0 += NarrowDepth)
            {
                int depth = Math.Min(NarrowDepth, k - p0);
                PackNarrowA(opA, row0, rows, p0, depth, packedA);
                for (int j0 = 0; j0 < n; j0 += 8)
                {
                    if (n - j0 > 4) NarrowPanel8(packedA, packedB + p0 * width + j0, width, depth, tiles + j0 * NarrowRows);
                    else NarrowPanel4(packedA, packedB + p0 * width + j0, width, depth, tiles + j0 * NarrowRows);
                }
            }
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < n; j++) pc[(row0 + i) * ldc + j] = tiles[j * NarrowRows + i];
        }
    }

    /// <summary>op(A)[row0 .. row0 + rows, k0 .. k0 + depth] into [depth][32], zero past the last row: whole 8 × 8 transposes
    /// where A's rows are contiguous and the CPU has AVX.</summary>
    private static void PackNarrowA(Operand a, int row0, int rows, int k0, int depth, float* dst)
    {
        int kDone = 0;
        if (a.ColStep == 1 && rows == NarrowRows && System.Runtime.Intrinsics.X86.Avx.IsSupported)
            for (; kDone + 8 <= depth; kDone += 8)
                for (int q = 0; q < NarrowRows; q += 8)
                    Transpose.Block8x8(a.At(row0 + q, k0 + kDone), a.RowStep, dst + kDone * NarrowRows + q, NarrowRows);
        for (int p = kDone; p < depth; p++)
        {
            int i = 0;
            for (; i < rows; i++) dst[p * NarrowRows + i] = *a.At(row0 + i, k0 + p);
            for (; i < NarrowRows; i++) dst[p * NarrowRows + i] = 0f;
        }
    }

    /// <summary>Tile (32 rows × 8 columns, column-major in <paramref name="tile"/>) += A·B over k steps: 16 accumulators, two A
    /// vectors and one broadcast of B per column.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void NarrowPanel8(float* a, float* b, nint ldb, int k, float* tile)
    {
        Vector512<float> c00 = Vector512.Load(tile), c01 = Vector512.Load(tile + 16), c10 = Vector512.Load(tile + 32), c11 = Vector512.Load(tile + 48);
        Vector512<float> c20 = Vector512.Load(tile + 64), c21 = Vector512.Load(tile + 80), c30 = Vector512.Load(tile + 96), c31 = Vector512.Load(tile + 112);
        Vector512<float> c40 = Vector512.Load(tile + 128), c41 = Vector512.Load(tile + 144), c50 = Vector512.Load(tile + 160), c51 = Vector512.Load(tile + 176);
        Vector512<float> c60 = Vector512.Load(tile + 192), c61 = Vector512.Load(tile + 208), c70 = Vector512.Load(tile + 224), c71 = Vector512.Load(tile + 240);
        for (int p = 0; p < k; p++, a += NarrowRows, b += ldb)
        {
            var a0 = Vector512.Load(a);
            var a1 = Vector512.Load(a + 16);
            var x = Vector512.Create(b[0]); c00 = Vector512.MultiplyAddEstimate(x, a0, c00); c01 = Vector512.MultiplyAddEstimate(x, a1, c01);
            x = Vector512.Create(b[1]); c10 = Vector512.MultiplyAddEstimate(x, a0, c10); c11 = Vector512.MultiplyAddEstimate(x, a1, c11);
            x = Vector512.Create(b[2]); c20 = Vector512.MultiplyAddEstimate(x, a0, c20); c21 = Vector512.MultiplyAddEstimate(x, a1, c21);
            x = Vector512.Create(b[3]); c30 = Vector512.MultiplyAddEstimate(x, a0, c30); c31 = Vector512.MultiplyAddEstimate(x, a1, c31);
            x = Vector512.Create(b[4]); c40 = Vector512.MultiplyAddEstimate(x, a0, c40); c41 = Vector512.MultiplyAddEstimate(x, a1, c41);
            x = Vector512.Create(b[5]); c50 = Vector512.MultiplyAddEstimate(x, a0, c50); c51 = Vector512.MultiplyAddEstimate(x, a1, c51);
            x = Vector512.Create(b[6]); c60 = Vector512.MultiplyAddEstimate(x, a0, c60); c61 = Vector512.MultiplyAddEstimate(x, a1, c61);
            x = Vector512.Create(b[7]); c70 = Vector512.MultiplyAddEstimate(x, a0, c70); c71 = Vector512.MultiplyAddEstimate(x, a1, c71);
        }
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208); c70.Store(tile + 224); c71.Store(tile + 240);
    }

    /// <summary>As <see cref="NarrowPanel8"/> for 4 columns: 8 accumulators.</summary>
    [MethodImpl(HotPath.Kernel)]
    private static void NarrowPanel4(float* a, float* b, nint ldb, int k, float* tile)
    {
        Vector512<float> c00 = Vector512.Load(tile), c01 = Vector512.Load(tile + 16), c10 = Vector512.Load(tile + 32), c11 = Vector512.Load(tile + 48);
        Vector512<float> c20 = Vector512.Load(tile + 64), c21 = Vector512.Load(tile + 80), c30 = Vector512.Load(tile + 96), c31 = Vector512.Load(tile + 112);
        for (int p = 0; p < k; p++, a += NarrowRows, b += ldb)
        {
            var a0 = Vector512.Load(a);
            var a1 = Vector512.Load(a + 16);
            var x = Vector512.Create(b[0]); c00 = Vector512.MultiplyAddEstimate(x, a0, c00); c01 = Vector512.MultiplyAddEstimate(x, a1, c01);
            x = Vector512.Create(b[1]); c10 = Vector512.MultiplyAddEstimate(x, a0, c10); c11 = Vector512.MultiplyAddEstimate(x, a1, c11);
            x = Vector512.Create(b[2]); c20 = Vector512.MultiplyAddEstimate(x, a0, c20); c21 = Vector512.MultiplyAddEstimate(x, a1, c21);
            x = Vector512.Create(b[3]); c30 = Vector512.MultiplyAddEstimate(x, a0, c30); c31 = Vector512.MultiplyAddEstimate(x, a1, c31);
        }
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
    }
}
