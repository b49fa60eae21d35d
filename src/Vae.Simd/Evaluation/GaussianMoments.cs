using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>The mean vector and covariance matrix of a set of row vectors, in double.</summary>
internal sealed class GaussianMoments
{
    /// <summary>Dimension d.</summary>
    public int Dimension { get; }

    /// <summary>Number of rows the moments were taken over.</summary>
    public int Count { get; }

    /// <summary>Mean, length d.</summary>
    public double[] Mean { get; }

    /// <summary>Covariance (divided by n − 1), d×d row-major.</summary>
    public double[] Covariance { get; }

    private GaussianMoments(int dimension, int count, double[] mean, double[] covariance)
        => (Dimension, Count, Mean, Covariance) = (dimension, count, mean, covariance);

    /// <summary>The moments of the rows of <paramref name="rows"/> (at least two rows, all finite).</summary>
    public static GaussianMoments Of(ReadOnlyMatrixSpan rows)
    {
        int n = rows.Rows, d = rows.Columns;
        if (n < 2) throw new ArgumentException($"moments need at least 2 rows; got {n}", nameof(rows));
        Guard.Finite(rows, nameof(rows));
        var mean = new double[d];
        for (int r = 0; r < n; r++)
        {
            var row = rows[r];
            for (int j = 0; j < d; j++) mean[j] += row[j];
        }
        for (int j = 0; j < d; j++) mean[j] /= n;

        // Centred products accumulated in double: the upper triangle, mirrored at the end.
        var covariance = new double[d * d];
        var centred = new double[d];
        for (int r = 0; r < n; r++)
        {
            var row = rows[r];
            for (int j = 0; j < d; j++) centred[j] = row[j] - mean[j];
            for (int i = 0; i < d; i++)
            {
                double ci = centred[i];
                var target = covariance.AsSpan(i * d + i, d - i);
                var source = centred.AsSpan(i, d - i);
                for (int j = 0; j < target.Length; j++) target[j] += ci * source[j];
            }
        }
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++)
            {
                double v = covariance[i * d + j] / (n - 1);
                covariance[i * d + j] = v;
                covariance[j * d + i] = v;
            }
        return new GaussianMoments(d, n, mean, covariance);
    }

    /// <summary>
    /// Fills the rows of <paramref name="destination"/> with draws from N(Mean, Covariance): m + S^{1/2} ε, the
    /// noise of row r being sample <paramref name="firstSample"/> + r of <paramref name="noise"/>. A singular
    /// covariance is allowed (its draws stay in the subspace the rows span).
    /// </summary>
    public void Draw(MatrixSpan destination, NoiseSource noise, long firstSample = 0)
    {
        if (destination.Columns != Dimension)
            throw new ArgumentException($"destination has {destination.Columns} columns but the moments {Dimension} dimensions", nameof(destination));
        var root = SymmetricEigen.SquareRoot(Covariance, Dimension);
        var epsilon = new float[Dimension];
        for (int r = 0; r < destination.Rows; r++)
        {
            noise.FillRow(epsilon, firstSample + r);
            var row = destination[r];
            for (int i = 0; i < Dimension; i++)
            {
                double v = Mean[i];
                for (int k = 0; k < Dimension; k++) v += root[i * Dimension + k] * epsilon[k];
                row[i] = (float)v;
            }
        }
    }
}
