namespace Vae.Simd.Evaluation;

/// <summary>
/// The Fréchet (2-Wasserstein) distance between two Gaussians, the statistic behind FID:
/// ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^{1/2}).
/// </summary>
internal static class FrechetDistance
{
    /// <summary>The distance between N(a.Mean, a.Covariance) and N(b.Mean, b.Covariance).</summary>
    public static double Between(GaussianMoments a, GaussianMoments b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dimension != b.Dimension) throw new ArgumentException($"the moments have dimensions {a.Dimension} and {b.Dimension}", nameof(b));
        int d = a.Dimension;
        double meanTerm = 0;
        for (int i = 0; i < d; i++) meanTerm += (a.Mean[i] - b.Mean[i]) * (a.Mean[i] - b.Mean[i]);
        double trace = 0;
        for (int i = 0; i < d; i++) trace += a.Covariance[i * d + i] + b.Covariance[i * d + i];
        return Math.Max(0, meanTerm + trace - 2 * TraceSqrtProduct(a.Covariance, b.Covariance, d));
    }

    /// <summary>
    /// tr((A B)^{1/2}) for symmetric positive semi-definite A and B. A B is not symmetric, but it is similar to
    /// A^{1/2} B A^{1/2}, which is: the same eigenvalues, so tr (A B)^{1/2} = Σ √λ(A^{1/2} B A^{1/2}).
    /// Two symmetric eigendecompositions, no complex square root (unlike scipy's sqrtm in the usual FID code).
    /// </summary>
    public static double TraceSqrtProduct(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int d)
    {
        var sqrtA = SymmetricEigen.SquareRoot(a, d);
        var temp = Multiply(sqrtA, b, d);
        var product = Multiply(temp, sqrtA, d);
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++)
            {
                double m = 0.5 * (product[i * d + j] + product[j * d + i]);
                product[i * d + j] = m;
                product[j * d + i] = m;
            }
        var values = new double[d];
        SymmetricEigen.Decompose(product, d, values, new double[d * d]);
        double trace = 0;
        foreach (double v in values) trace += Math.Sqrt(Math.Max(v, 0));
        return trace;
    }

    private static double[] Multiply(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int d)
    {
        var result = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int k = 0; k < d; k++)
            {
                double xik = x[i * d + k];
                if (xik == 0) continue;
                for (int j = 0; j < d; j++) result[i * d + j] += xik * y[k * d + j];
            }
        return result;
    }
}
