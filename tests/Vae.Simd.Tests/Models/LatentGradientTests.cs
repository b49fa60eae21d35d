using Vae.Simd.Common;
using FsCheck.Fluent;
using Vae.Simd;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Models;

/// <summary>Reparameterization and the Gaussian KL, each checked on its own against finite differences.</summary>
public class LatentGradientTests
{
    private sealed record Case(int Rows, int Latent, float Spread, int Seed);

    private static readonly FsCheck.Gen<Case> Cases =
        from rows in Gen.Choose(1, 6)
        from latent in Properties.Size(40)
        from spread in Gen.Elements(0.1f, 1f, 3f)
        from seed in Properties.Seed
        select new Case(rows, latent, spread, seed);

    private static float[] Random(SeededRandom r, int n, float spread) => Enumerable.Range(0, n).Select(_ => r.NextUniform(-spread, spread)).ToArray();

    [Fact]
    public void Reparameterization_gradient_matches_finite_differences_of_a_random_linear_readout()
    {
        Properties.Check(Cases, c =>
        {
            var r = new SeededRandom((ulong)c.Seed);
            int n = c.Rows * c.Latent;
            float[] mu = Random(r, n, c.Spread), logVar = Random(r, n, c.Spread), eps = Random(r, n, 2f), dz = Random(r, n, 1f);
            var z = new float[n];
            Reparameterization.Forward(M(mu, c), M(logVar, c), M(eps, c), new MatrixSpan(z, c.Rows, c.Latent));
            float[] dMu = new float[n], dLogVar = new float[n];
            Reparameterization.Backward(M(mu, c), M(z, c), M(dz, c), new MatrixSpan(dMu, c.Rows, c.Latent), new MatrixSpan(dLogVar, c.Rows, c.Latent));

            // L = Σ dz ⊙ z(μ, logVar), so ∂L/∂μ and ∂L/∂logVar are exactly what Backward accumulates.
            double L(int i, double m, double lv) => dz[i] * (m + Math.Exp(0.5 * lv) * eps[i]);
            const double h = 1e-6;
            for (int i = 0; i < n; i++)
            {
                Approx.Equal(mu[i] + Math.Exp(0.5 * logVar[i]) * eps[i], z[i], 1e-6, "z");
                Approx.Equal((L(i, mu[i] + h, logVar[i]) - L(i, mu[i] - h, logVar[i])) / (2 * h), dMu[i], 1e-5, "dμ");
                Approx.Equal((L(i, mu[i], logVar[i] + h) - L(i, mu[i], logVar[i] - h)) / (2 * h), dLogVar[i], 1e-4, "dlogVar");
            }
        });
    }

    [Fact]
    public void Kl_value_and_gradient_match_the_formula_and_finite_differences()
    {
        Properties.Check(Cases.Select(c => (c, w: (float)(c.Seed % 7) / 3f)), t =>
        {
            var (c, weight) = t;
            var r = new SeededRandom((ulong)c.Seed);
            int n = c.Rows * c.Latent;
            float[] mu = Random(r, n, c.Spread), logVar = Random(r, n, c.Spread);
            var rowKl = new double[c.Rows];
            double total = GaussianKl.Forward(M(mu, c), M(logVar, c), rowKl);
            float[] dMu = Random(r, n, 1f), dLogVar = Random(r, n, 1f);
            float[] dMu0 = dMu.ToArray(), dLogVar0 = dLogVar.ToArray();
            GaussianKl.Backward(M(mu, c), M(logVar, c), weight, new MatrixSpan(dMu, c.Rows, c.Latent), new MatrixSpan(dLogVar, c.Rows, c.Latent));

            static double Kl(double m, double lv) => -0.5 * (1 + lv - m * m - Math.Exp(lv));
            double expectedTotal = 0;
            const double h = 1e-6;
            for (int row = 0; row < c.Rows; row++)
            {
                double expectedRow = 0;
                for (int j = 0; j < c.Latent; j++)
                {
                    int i = row * c.Latent + j;
                    expectedRow += Kl(mu[i], logVar[i]);
                    double gMu = (Kl(mu[i] + h, logVar[i]) - Kl(mu[i] - h, logVar[i])) / (2 * h);
                    double gLv = (Kl(mu[i], logVar[i] + h) - Kl(mu[i], logVar[i] - h)) / (2 * h);
                    Approx.Equal(dMu0[i] + weight * gMu, dMu[i], 1e-5, "dμ accumulates weight·μ");
                    Approx.Equal(dLogVar0[i] + weight * gLv, dLogVar[i], 1e-5, "dlogVar accumulates weight·½(σ² − 1)");
                }
                Approx.Equal(expectedRow, rowKl[row], 1e-9, "row KL");
                expectedTotal += expectedRow;
            }
            Approx.Equal(expectedTotal, total, 1e-9, "total KL");
            Assert.True(total >= -1e-9, "KL is never negative");
        });
    }

    [Fact]
    public void Kl_is_zero_exactly_at_the_prior()
    {
        var zeros = new float[10];
        var rowKl = new double[2];
        Assert.Equal(0.0, GaussianKl.Forward(new ReadOnlyMatrixSpan(zeros, 2, 5), new ReadOnlyMatrixSpan(zeros, 2, 5), rowKl));
    }

    private static ReadOnlyMatrixSpan M(float[] a, Case c) => new(a, c.Rows, c.Latent);
}
