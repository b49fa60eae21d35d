using Vae.Simd.Common;
using Vae.Simd;
using Vae.Simd.Evaluation;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Evaluation;

public class StatisticsTests
{
    private static float[] Normals(int count, ulong seed)
    {
        var values = new float[count];
        new NoiseSource(seed).FillRow(values, 0);
        return values;
    }

    [Fact]
    public void Standard_normal_codes_have_zero_mean_unit_std_no_skew_no_excess_kurtosis_and_aggregate_KL_near_zero()
    {
        const int n = 200_000, d = 3;
        var codes = Normals(n * d, 1);
        var stats = LatentStatistics.Of(new ReadOnlyMatrixSpan(codes, n, d));
        for (int j = 0; j < d; j++)
        {
            Assert.InRange(stats.Mean[j], -0.01, 0.01);
            Assert.InRange(stats.StandardDeviation[j], 0.99, 1.01);
            Assert.InRange(stats.Skewness[j], -0.03, 0.03);
            Assert.InRange(stats.ExcessKurtosis[j], -0.06, 0.06);
        }
        Assert.Equal(3, stats.ActiveUnits);
        Assert.InRange(stats.AggregateKl, 0, 1e-3);
    }

    [Fact]
    public void The_KS_distance_to_the_prior_is_small_for_prior_draws_and_the_closed_form_for_a_shift()
    {
        Assert.Equal(0.841344746, LatentStatistics.StandardNormalCdf(1), 6);
        Assert.Equal(0.022750132, LatentStatistics.StandardNormalCdf(-2), 6);
        Assert.Equal(0.5, LatentStatistics.StandardNormalCdf(0), 6);
        const int n = 10_000;
        var normal = Normals(2 * n, 3);
        var stats = LatentStatistics.Of(new ReadOnlyMatrixSpan(normal, n, 2));
        // Draws from N(0, 1) stay below 1.36/√n with 95 % probability (this seed: well below).
        Assert.All(stats.NormalKs, ks => Assert.InRange(ks, 0, 1.36 / Math.Sqrt(n)));
        // Shifted by 1: sup |Φ(x − 1) − Φ(x)| = Φ(½) − Φ(−½) ≈ 0.3829.
        var shifted = normal.Select(v => v + 1f).ToArray();
        var far = LatentStatistics.Of(new ReadOnlyMatrixSpan(shifted, n, 2));
        Assert.All(far.NormalKs, ks => Assert.InRange(ks, 0.3829 - 0.02, 0.3829 + 0.02));
    }

    [Fact]
    public void The_mean_pairwise_distance_of_samples_is_their_RMS_pixel_difference()
    {
        float[] images = [0, 0, 0, 0, /* */ 1, 1, 1, 1, /* */ 0, 0, 1, 1];
        // Pairs: (0, 1) → 1, (0, 2) → √½, (1, 2) → √½.
        Assert.Equal((1 + 2 * Math.Sqrt(0.5)) / 3, SampleQuality.MeanPairwiseDistance(new ReadOnlyMatrixSpan(images, 3, 4)), 12);
        Assert.Equal(0, SampleQuality.MeanPairwiseDistance(new ReadOnlyMatrixSpan(new float[8], 2, 4)));
    }

    [Fact]
    public void Moments_and_KL_of_a_shifted_scaled_and_skewed_set_match_closed_forms()
    {
        const int n = 400_000;
        var normals = Normals(n, 2);
        var uniform = new SeededRandom(3);
        // Column 0: N(2, 0.5²); column 1: Exp(1), skewness 2, excess kurtosis 6; column 2: constant 0.05 noise (inactive).
        var codes = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            codes[i * 3] = 2 + 0.5f * normals[i];
            codes[i * 3 + 1] = -MathF.Log(1 - uniform.NextSingle());
            codes[i * 3 + 2] = 0.05f * normals[(i + 1) % n];
        }
        var stats = LatentStatistics.Of(new ReadOnlyMatrixSpan(codes, n, 3));
        Assert.InRange(stats.Mean[0], 1.99, 2.01);
        Assert.InRange(stats.StandardDeviation[0], 0.495, 0.505);
        Assert.InRange(stats.Skewness[1], 1.9, 2.1);
        Assert.InRange(stats.ExcessKurtosis[1], 5.3, 6.7);
        Assert.Equal(2, stats.ActiveUnits); // variance 0.0025 < 0.01
        // Independent columns: KL = Σ ½ (s² + m² − 1 − ln s²).
        static double Kl(double m, double s2) => 0.5 * (s2 + m * m - 1 - Math.Log(s2));
        double expected = Kl(2, 0.25) + Kl(1, 1) + Kl(0, 0.0025);
        Approx.Equal(expected, stats.AggregateKl, 0.01, "aggregate KL");
        Assert.Equal(stats.Mean.Average(Math.Abs), stats.MeanAbsMean);
    }

    [Fact]
    public void Aggregate_KL_accounts_for_correlation_and_is_infinite_for_a_degenerate_set()
    {
        // z1 = z0 exactly: the covariance is singular, the Gaussian has no density, the KL is infinite.
        var normals = Normals(1000, 4);
        var codes = normals.SelectMany(v => new[] { v, v }).ToArray();
        Assert.Equal(double.PositiveInfinity, LatentStatistics.Of(new ReadOnlyMatrixSpan(codes, 1000, 2)).AggregateKl);
        // A constant dimension: NaN shape statistics, not a crash.
        var constant = LatentStatistics.Of(new ReadOnlyMatrixSpan(new float[20], 10, 2));
        Assert.True(double.IsNaN(constant.Skewness[0]));
        Assert.Equal(0, constant.ActiveUnits);
        Assert.Throws<ArgumentException>(() => LatentStatistics.Of(new ReadOnlyMatrixSpan([float.NaN, 1f], 2, 1)));
    }

    [Fact]
    public void Draws_from_fitted_moments_have_those_moments_even_when_the_covariance_is_singular()
    {
        // Correlated 3-D data: x, x/2 + y, and 2x exactly (a singular covariance).
        const int n = 20_000;
        var normals = Normals(2 * n, 7);
        var data = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            float x = 1 + 2 * normals[2 * i], y = normals[2 * i + 1] - 3;
            (data[i * 3], data[i * 3 + 1], data[i * 3 + 2]) = (x, 0.5f * x + y, 2 * x);
        }
        var moments = GaussianMoments.Of(new ReadOnlyMatrixSpan(data, n, 3));
        var draws = new float[40_000 * 3];
        moments.Draw(new MatrixSpan(draws, 40_000, 3), new NoiseSource(8));
        var drawn = GaussianMoments.Of(new ReadOnlyMatrixSpan(draws, 40_000, 3));
        for (int i = 0; i < 3; i++)
        {
            Approx.Equal(moments.Mean[i], drawn.Mean[i], 0.05, $"mean {i}");
            for (int j = 0; j < 3; j++)
                Approx.Equal(moments.Covariance[i * 3 + j], drawn.Covariance[i * 3 + j], 0.04 * moments.Covariance[i * 3 + i] + 0.04, $"covariance ({i}, {j})");
        }
        // The draws stay on the data's plane: column 2 − 2 × column 0 is (m₂ − 2m₀) + 0, up to round-off.
        double offset = moments.Mean[2] - 2 * moments.Mean[0];
        for (int r = 0; r < 40_000; r++) Assert.InRange(draws[r * 3 + 2] - 2 * draws[r * 3] - offset, -1e-3, 1e-3);
        Assert.Throws<ArgumentException>(() => moments.Draw(new MatrixSpan(new float[4], 2, 2), new NoiseSource(1)));
    }

    [Fact]
    public void Symmetric_eigendecomposition_reconstructs_the_matrix_with_orthonormal_vectors()
    {
        Properties.Check(Properties.Seed, seed =>
        {
            var random = new SeededRandom((ulong)seed);
            int n = 1 + random.NextInt(12);
            var a = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = i; j < n; j++) a[i * n + j] = a[j * n + i] = random.NextUniform(-2, 2);
            var values = new double[n];
            var vectors = new double[n * n];
            SymmetricEigen.Decompose(a, n, values, vectors);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double rebuilt = 0, gram = 0;
                    for (int k = 0; k < n; k++)
                    {
                        rebuilt += vectors[i * n + k] * values[k] * vectors[j * n + k];
                        gram += vectors[k * n + i] * vectors[k * n + j];
                    }
                    Assert.True(Math.Abs(rebuilt - a[i * n + j]) < 1e-9, $"V Λ Vᵀ differs at [{i}, {j}]");
                    Assert.True(Math.Abs(gram - (i == j ? 1 : 0)) < 1e-9, $"Vᵀ V differs from I at [{i}, {j}]");
                }
        }, maxTest: 50);
    }

    private static GaussianMoments MomentsOf(float[] rows, int n, int d) => GaussianMoments.Of(new ReadOnlyMatrixSpan(rows, n, d));

    [Fact]
    public void Frechet_distance_is_zero_for_one_set_and_matches_the_closed_form_for_diagonal_Gaussians()
    {
        const int n = 100_000;
        var normals = Normals(n * 2, 5);
        var a = new float[n * 2];
        var b = new float[n * 2];
        for (int i = 0; i < n; i++)
        {
            a[2 * i] = normals[2 * i]; a[2 * i + 1] = 3 * normals[2 * i + 1];
            b[2 * i] = 1 + 2 * normals[2 * i]; b[2 * i + 1] = normals[2 * i + 1];
        }
        var ma = MomentsOf(a, n, 2);
        var mb = MomentsOf(b, n, 2);
        Assert.InRange(FrechetDistance.Between(ma, ma), 0, 1e-9);
        // Diagonal: ‖Δμ‖² + Σ (σa − σb)² = 1 + (1 − 2)² + (3 − 1)² = 6 (sample moments: a little off).
        Approx.Equal(6, FrechetDistance.Between(ma, mb), 0.02, "Fréchet distance");
        Approx.Equal(FrechetDistance.Between(ma, mb), FrechetDistance.Between(mb, ma), 1e-9, "symmetry");
    }

    [Fact]
    public void Trace_of_the_product_square_root_matches_the_definition_for_a_non_commuting_pair()
    {
        // A = diag(4, 1), B = [[2, 1], [1, 2]]: AB has eigenvalues λ with λ² − 10λ + 12 = 0.
        double[] a = [4, 0, 0, 1], b = [2, 1, 1, 2];
        double disc = Math.Sqrt(100 - 48);
        double expected = Math.Sqrt((10 + disc) / 2) + Math.Sqrt((10 - disc) / 2);
        Approx.Equal(expected, FrechetDistance.TraceSqrtProduct(a, b, 2), 1e-12, "tr sqrt(AB)");
    }
}

public class CoverageTests
{
    [Fact]
    public void Prior_draws_land_in_holes_only_where_the_codes_leave_gaps()
    {
        const int n = 4000, d = 2;
        var normals = new float[2 * n * d];
        new Vae.Simd.Models.NoiseSource(6).FillRow(normals, 0);
        var prior = new ReadOnlyMatrixSpan(normals.AsSpan(n * d).ToArray(), n, d);
        // Codes from the prior itself: about 1% of draws beyond the 99th percentile, nothing like a hole.
        var matching = new ReadOnlyMatrixSpan(normals.AsSpan(0, n * d).ToArray(), n, d);
        Assert.InRange(LatentCoverage.HoleFraction(matching, prior), 0, 0.05);
        // Codes only in the right half-plane (x > 0.5): the left half of the prior is a hole.
        var halved = normals.AsSpan(0, n * d).ToArray();
        for (int i = 0; i < n; i++) halved[i * d] = 0.5f + Math.Abs(halved[i * d]);
        double holes = LatentCoverage.HoleFraction(new ReadOnlyMatrixSpan(halved, n, d), prior);
        Assert.InRange(holes, 0.4, 0.8);
    }

    [Fact]
    public void Draws_from_the_codes_own_Gaussian_find_the_gap_of_a_ring_at_any_scale_and_not_in_a_Gaussian_cloud()
    {
        const int n = 4000, d = 2;
        var normals = new float[2 * n * d];
        new Vae.Simd.Models.NoiseSource(9).FillRow(normals, 0);
        double FittedHoles(float[] codes)
        {
            var span = new ReadOnlyMatrixSpan(codes, n, d);
            var draws = new float[1000 * d];
            GaussianMoments.Of(span).Draw(new MatrixSpan(draws, 1000, d), new Vae.Simd.Models.NoiseSource(10));
            return LatentCoverage.HoleFraction(span, new ReadOnlyMatrixSpan(draws, 1000, d));
        }
        foreach (float scale in new[] { 1f, 10f })
        {
            // A Gaussian cloud, shifted and scaled: it fills its own Gaussian, so about 1 % (the 99 % threshold).
            var cloud = normals.AsSpan(0, n * d).ToArray().Select(v => 5 + scale * v).ToArray();
            Assert.InRange(FittedHoles(cloud), 0, 0.04);
            // A ring of radius 3 (width 0.1): its Gaussian puts most of its mass inside the empty disc.
            var ring = new float[n * d];
            for (int i = 0; i < n; i++)
            {
                double angle = Math.Atan2(normals[i * d + 1], normals[i * d]), radius = 3 + 0.1 * normals[n * d + i];
                ring[i * d] = (float)(scale * radius * Math.Cos(angle));
                ring[i * d + 1] = (float)(scale * radius * Math.Sin(angle));
            }
            Assert.InRange(FittedHoles(ring), 0.3, 1);
        }
    }
}
