using Vae.Simd.Common;
using FsCheck.Fluent;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Kernels;

public class ReconstructionLossTests
{
    /// <summary>Double-precision reference of one pixel's loss.</summary>
    public static double PixelLoss(Likelihood likelihood, double logit, double target)
    {
        if (likelihood == Likelihood.Bernoulli)
            return Math.Max(logit, 0) - logit * target + Math.Log(1 + Math.Exp(-Math.Abs(logit)));
        double p = 1 / (1 + Math.Exp(-logit));
        return (p - target) * (p - target);
    }

    private sealed record Case(Likelihood Likelihood, int Rows, int Columns, int Pitch, float Scale, float Weight, int Seed);

    private static readonly FsCheck.Gen<Case> Cases =
        from likelihood in Gen.Elements(Likelihood.Bernoulli, Likelihood.Gaussian)
        from rows in Gen.Choose(1, 5)
        from cols in Properties.Size(150)
        from pitch in Properties.Pitch
        from scale in Gen.Elements(1f, 8f, 60f)
        from weight in Gen.Elements(0f, 1f, 10f, 0.001f)
        from seed in Properties.Seed
        select new Case(likelihood, rows, cols, pitch, scale, weight, seed);

    [Fact]
    public void Loss_and_gradient_match_the_double_reference_and_finite_differences()
    {
        Properties.Check(Cases, c =>
        {
            var random = new SeededRandom((ulong)c.Seed);
            var logits = new StridedMatrix(c.Rows, c.Columns, c.Pitch, random, c.Scale);
            var targets = new StridedMatrix(c.Rows, c.Columns, c.Pitch, random);
            for (int r = 0; r < c.Rows; r++) for (int j = 0; j < c.Columns; j++) targets.Data[r * targets.Stride + j] = random.NextSingle();
            var gradient = new StridedMatrix(c.Rows, c.Columns, c.Pitch, random);
            var rowLoss = new double[c.Rows];
            double total = ReconstructionLosses.Evaluate(c.Likelihood, logits.ReadOnly, targets.ReadOnly, gradient.Span, c.Weight, rowLoss);

            double expectedTotal = 0;
            for (int r = 0; r < c.Rows; r++)
            {
                double expectedRow = 0;
                for (int j = 0; j < c.Columns; j++)
                {
                    double l = logits[r, j], t = targets[r, j];
                    expectedRow += PixelLoss(c.Likelihood, l, t);
                    const double h = 1e-5;
                    double numeric = (PixelLoss(c.Likelihood, l + h, t) - PixelLoss(c.Likelihood, l - h, t)) / (2 * h);
                    Approx.Equal(c.Weight * numeric, gradient[r, j], 1e-4, $"{c.Likelihood} gradient at logit {l}");
                }
                Approx.Equal(expectedRow, rowLoss[r], 1e-5, $"row {r} loss");
                expectedTotal += expectedRow;
            }
            Approx.Equal(expectedTotal, total, 1e-5, "total");
            Assert.True(gradient.GapsUntouched());
        }, maxTest: 150);
    }

    [Theory]
    [InlineData(1000f, 1f)]
    [InlineData(-1000f, 0f)]
    [InlineData(-1000f, 1f)]
    [InlineData(88.7f, 0.5f)]
    public void Bernoulli_loss_is_finite_and_exact_for_extreme_logits(float logit, float target)
    {
        var logits = Enumerable.Repeat(logit, 37).ToArray();
        var targets = Enumerable.Repeat(target, 37).ToArray();
        var gradient = new float[37];
        var row = new double[1];
        double loss = ReconstructionLosses.Evaluate(Likelihood.Bernoulli, new ReadOnlyMatrixSpan(logits, 1, 37), new ReadOnlyMatrixSpan(targets, 1, 37),
            new MatrixSpan(gradient, 1, 37), 1f, row);
        Assert.True(double.IsFinite(loss));
        Approx.Equal(37 * PixelLoss(Likelihood.Bernoulli, logit, target), loss, 1e-6, "loss");
        double p = logit > 0 ? 1 : 0;
        Assert.All(gradient, g => Assert.Equal(p - target, g, 1e-6));
    }

    [Fact]
    public void Loss_without_gradient_leaves_no_trace_and_mismatched_shapes_are_named()
    {
        var logits = new float[6]; var targets = new float[6];
        double loss = ReconstructionLosses.Evaluate(Likelihood.Bernoulli, new ReadOnlyMatrixSpan(logits, 2, 3), new ReadOnlyMatrixSpan(targets, 2, 3), default, 1f, new double[2]);
        Approx.Equal(6 * Math.Log(2), loss, 1e-6, "loss at logit 0");
        var ex = Assert.Throws<ArgumentException>(() => ReconstructionLosses.Evaluate(Likelihood.Bernoulli,
            new ReadOnlyMatrixSpan(logits, 2, 3), new ReadOnlyMatrixSpan(targets, 3, 2), default, 1f, new double[2]));
        Assert.Equal("targets", ex.ParamName);
        Assert.Contains("[3 × 2]", ex.Message);
        Assert.Contains("[2 × 3]", ex.Message);
    }
}
