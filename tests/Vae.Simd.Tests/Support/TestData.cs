using Vae.Simd.Common;
using Vae.Simd;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Tests.Support;

/// <summary>A matrix in a backing array whose rows are <c>Stride</c> apart (a view with pitch when Stride &gt; Columns).</summary>
internal sealed class StridedMatrix
{
    public float[] Data { get; }
    public int Rows { get; }
    public int Columns { get; }
    public int Stride { get; }

    public StridedMatrix(int rows, int columns, int pitch, SeededRandom random, float scale = 1f)
    {
        Rows = rows; Columns = columns; Stride = columns + pitch;
        Data = new float[Math.Max(1, (rows - 1) * Stride + columns + pitch)];
        // Fill the pitch gaps with a sentinel so a kernel that reads or writes them is caught.
        Array.Fill(Data, float.NaN);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                Data[r * Stride + c] = random.NextUniform(-scale, scale);
    }

    public MatrixSpan Span => new(Data, Rows, Columns, Stride);
    public ReadOnlyMatrixSpan ReadOnly => new(Data, Rows, Columns, Stride);
    public double this[int r, int c] => Data[r * Stride + c];

    /// <summary>True when every element outside the view is still the NaN sentinel.</summary>
    public bool GapsUntouched()
    {
        for (int i = 0; i < Data.Length; i++)
        {
            int r = i / Stride, c = i % Stride;
            bool inside = r < Rows && c < Columns;
            if (!inside && !float.IsNaN(Data[i])) return false;
        }
        return true;
    }
}

internal static class Approx
{
    /// <summary>|actual − expected| ≤ tolerance·(1 + |expected|).</summary>
    public static void Equal(double expected, double actual, double tolerance, string what)
    {
        if (!(Math.Abs(actual - expected) <= tolerance * (1 + Math.Abs(expected))))
            throw new Xunit.Sdk.XunitException($"{what}: expected {expected:R}, got {actual:R} (tolerance {tolerance} relative)");
    }
}
