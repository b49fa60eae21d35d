namespace Vae.Simd.Tensors;

/// <summary>Value checks for public entry points.</summary>
internal static class Guard
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the parameter and the first non-finite element's position.</summary>
    public static void Finite(ReadOnlyMatrixSpan m, string parameter)
    {
        for (int r = 0; r < m.Rows; r++)
        {
            ReadOnlySpan<float> row = m[r];
            // One vectorized pass (the largest magnitude is finite exactly when every element is); only a failing row is searched for the culprit.
            if (float.IsFinite(Kernels.LargestMagnitude.Of(row))) continue;
            for (int c = 0; c < row.Length; c++)
                if (!float.IsFinite(row[c]))
                    throw new ArgumentException($"{parameter}[{r}, {c}] is {row[c]}: inputs must be finite", parameter);
        }
    }
}
