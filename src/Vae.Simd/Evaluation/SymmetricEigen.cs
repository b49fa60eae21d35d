namespace Vae.Simd.Evaluation;

/// <summary>
/// Eigenvalues and eigenvectors of a small symmetric matrix by cyclic Jacobi rotations, in double.
/// Slower than tridiagonal QR but short, unconditionally stable and accurate for the ≤ 512-wide
/// covariance matrices that the Fréchet distance needs.
/// </summary>
internal static class SymmetricEigen
{
    /// <summary>Decomposes the symmetric n×n <paramref name="matrix"/> (row-major, only read) into
    /// V·diag(values)·Vᵀ; column k of <paramref name="vectors"/> belongs to values[k].</summary>
    public static void Decompose(ReadOnlySpan<double> matrix, int n, Span<double> values, Span<double> vectors)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "the matrix must have at least one row");
        if (matrix.Length != n * n) throw new ArgumentException($"matrix has {matrix.Length} elements, not {n}×{n}", nameof(matrix));
        if (values.Length != n) throw new ArgumentException($"values has length {values.Length}, not {n}", nameof(values));
        if (vectors.Length != n * n) throw new ArgumentException($"vectors has {vectors.Length} elements, not {n}×{n}", nameof(vectors));
        foreach (double v in matrix) if (!double.IsFinite(v)) throw new ArgumentException("the matrix holds a value that is not finite", nameof(matrix));

        var a = matrix.ToArray();
        vectors.Clear();
        for (int i = 0; i < n; i++) vectors[i * n + i] = 1;
        double scale = 0;
        foreach (double v in a) scale = Math.Max(scale, Math.Abs(v));
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            if (off <= 1e-30 * scale * scale * n * n || off == 0) break;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (Math.Abs(apq) < 1e-300) continue;
                    // The rotation that zeroes a[p, q] (Golub & Van Loan, Algorithm 8.4.1).
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = vectors[k * n + p], vkq = vectors[k * n + q];
                        vectors[k * n + p] = c * vkp - s * vkq;
                        vectors[k * n + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) values[i] = a[i * n + i];
    }

    /// <summary>
    /// The symmetric square root of a symmetric positive semi-definite matrix: V·diag(√λ)·Vᵀ. Round-off can
    /// leave tiny negative eigenvalues; they count as zero, so a singular matrix has a (singular) root too.
    /// </summary>
    public static double[] SquareRoot(ReadOnlySpan<double> matrix, int n)
    {
        var values = new double[n];
        var vectors = new double[n * n];
        Decompose(matrix, n, values, vectors);
        for (int k = 0; k < n; k++) values[k] = Math.Sqrt(Math.Max(values[k], 0));
        var root = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += vectors[i * n + k] * values[k] * vectors[j * n + k];
                root[i * n + j] = s;
                root[j * n + i] = s;
            }
        return root;
    }
}
