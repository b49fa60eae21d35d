using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>
/// How far a set of latent codes (μ of a VAE or the code of an AE, one row per test image) is from N(0, I):
/// per-dimension moments, the number of active units, and the KL from the codes' fitted Gaussian to N(0, I).
/// </summary>
internal sealed class LatentStatistics
{
    /// <summary>Per dimension: mean over the images.</summary>
    public required double[] Mean { get; init; }

    /// <summary>Per dimension: standard deviation (population, divided by n).</summary>
    public required double[] StandardDeviation { get; init; }

    /// <summary>Per dimension: skewness E[(x − m)³]/s³ (NaN for a constant dimension).</summary>
    public required double[] Skewness { get; init; }

    /// <summary>Per dimension: excess kurtosis E[(x − m)⁴]/s⁴ − 3 (0 for a Gaussian; NaN for a constant dimension).</summary>
    public required double[] ExcessKurtosis { get; init; }

    /// <summary>Dimensions whose variance over the images exceeds <see cref="ActiveThreshold"/> (Burda et al.'s active units).</summary>
    public required int ActiveUnits { get; init; }

    /// <summary>The variance that makes a unit active.</summary>
    public required double ActiveThreshold { get; init; }

    /// <summary>KL(N(m, S) ‖ N(0, I)) with m, S the mean and covariance of the codes; +∞ when S is singular.</summary>
    public required double AggregateKl { get; init; }

    /// <summary>Per dimension: the Kolmogorov–Smirnov distance sup |F_n − Φ| between the codes' empirical distribution and N(0, 1)
    /// itself (not a fitted normal: a shifted or scaled cloud is far from the prior too). With n codes drawn from N(0, 1) it
    /// stays below about 1.36/√n (95 %).</summary>
    public required double[] NormalKs { get; init; }

    /// <summary>Mean over dimensions of <see cref="NormalKs"/>.</summary>
    public double MeanNormalKs => NormalKs.Average();

    /// <summary>Mean over dimensions of |mean|.</summary>
    public double MeanAbsMean => Mean.Average(Math.Abs);

    /// <summary>Mean over dimensions of the standard deviation.</summary>
    public double MeanStandardDeviation => StandardDeviation.Average();

    /// <summary>Mean over dimensions of |skewness|.</summary>
    public double MeanAbsSkewness => Skewness.Average(Math.Abs);

    /// <summary>Mean over dimensions of the excess kurtosis.</summary>
    public double MeanExcessKurtosis => ExcessKurtosis.Average();

    /// <summary>The statistics of the rows of <paramref name="codes"/> [images, latent] (at least two rows, all finite).</summary>
    public static LatentStatistics Of(ReadOnlyMatrixSpan codes, double activeThreshold = 0.01)
    {
        var moments = GaussianMoments.Of(codes);
        int n = codes.Rows, d = codes.Columns;
        var m2 = new double[d];
        var m3 = new double[d];
        var m4 = new double[d];
        for (int r = 0; r < n; r++)
        {
            var row = codes[r];
            for (int j = 0; j < d; j++)
            {
                double c = row[j] - moments.Mean[j], c2 = c * c;
                m2[j] += c2;
                m3[j] += c2 * c;
                m4[j] += c2 * c2;
            }
        }
        var std = new double[d];
        var skew = new double[d];
        var kurtosis = new double[d];
        int active = 0;
        for (int j = 0; j < d; j++)
        {
            double variance = m2[j] / n;
            std[j] = Math.Sqrt(variance);
            skew[j] = variance > 0 ? m3[j] / n / (variance * std[j]) : double.NaN;
            kurtosis[j] = variance > 0 ? m4[j] / n / (variance * variance) - 3 : double.NaN;
            if (moments.Covariance[j * d + j] > activeThreshold) active++;
        }
        var ks = new double[d];
        for (int j = 0; j < d; j++) ks[j] = KsToStandardNormal(codes, j);
        return new LatentStatistics
        {
            Mean = moments.Mean, StandardDeviation = std, Skewness = skew, ExcessKurtosis = kurtosis,
            ActiveUnits = active, ActiveThreshold = activeThreshold, AggregateKl = KlToStandardNormal(moments),
            NormalKs = ks,
        };
    }

    /// <summary>sup |F_n(x) − Φ(x)| for column <paramref name="column"/> of <paramref name="codes"/>.</summary>
    public static double KsToStandardNormal(ReadOnlyMatrixSpan codes, int column)
    {
        int n = codes.Rows;
        var values = new double[n];
        for (int r = 0; r < n; r++) values[r] = codes[r, column];
        Array.Sort(values);
        double distance = 0;
        for (int i = 0; i < n; i++)
        {
            double phi = StandardNormalCdf(values[i]);
            distance = Math.Max(distance, Math.Max((i + 1.0) / n - phi, phi - (double)i / n));
        }
        return distance;
    }

    /// <summary>Φ(x) = ½ erfc(−x/√2), with erfc from Numerical Recipes' Chebyshev fit (relative error below 1.2e−7).</summary>
    public static double StandardNormalCdf(double x)
    {
        double z = Math.Abs(x) / Math.Sqrt(2), t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
    }

    /// <summary>KL(N(m, S) ‖ N(0, I)) = ½ (tr S + mᵀm − d − log det S), log det from a Cholesky factor.</summary>
    public static double KlToStandardNormal(GaussianMoments moments)
    {
        ArgumentNullException.ThrowIfNull(moments);
        int d = moments.Dimension;
        var l = (double[])moments.Covariance.Clone();
        double logDet = 0;
        for (int j = 0; j < d; j++)
        {
            double diagonal = l[j * d + j];
            for (int k = 0; k < j; k++) diagonal -= l[j * d + k] * l[j * d + k];
            if (!(diagonal > 0)) return double.PositiveInfinity;
            double root = Math.Sqrt(diagonal);
            l[j * d + j] = root;
            logDet += 2 * Math.Log(root);
            for (int i = j + 1; i < d; i++)
            {
                double v = l[i * d + j];
                for (int k = 0; k < j; k++) v -= l[i * d + k] * l[j * d + k];
                l[i * d + j] = v / root;
            }
        }
        double trace = 0, meanSquare = 0;
        for (int j = 0; j < d; j++)
        {
            trace += moments.Covariance[j * d + j];
            meanSquare += moments.Mean[j] * moments.Mean[j];
        }
        return 0.5 * (trace + meanSquare - d - logDet);
    }
}
