using Vae.Simd.Common;
using FsCheck.Fluent;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Models;

/// <summary>The heart of the test suite: every parameter's hand-derived gradient against finite differences.</summary>
public class GradientCheckTests
{
    public sealed record Case(ModelKind Kind, int Input, int[] Hidden, int Latent, int Batch, ActivationKind Activation,
        Likelihood Likelihood, float RecWeight, float KlWeight, int Seed)
    {
        public override string ToString() =>
            $"{Kind} {Input}-[{string.Join(",", Hidden)}]-{Latent} batch {Batch} {Activation} {Likelihood} w=({RecWeight}, {KlWeight}) seed {Seed}";
    }

    private static readonly FsCheck.Gen<float> Weight = Gen.Frequency(
        (1, Gen.Constant(0f)), (1, Gen.Constant(1f)), (2, Gen.Choose(1, 10000).Select(v => v / 1000f)));

    public static readonly FsCheck.Gen<Case> Cases =
        from kind in Gen.Elements(ModelKind.Variational, ModelKind.Autoencoder)
        from input in Gen.Choose(1, 20)
        from depth in Gen.Choose(0, 3)
        from hidden in Gen.ArrayOf(Gen.Choose(1, 40), depth)
        from latent in Gen.Choose(1, 8)
        from batch in Gen.Choose(1, 6)
        from activation in Gen.Elements(Enum.GetValues<ActivationKind>())
        from likelihood in Gen.Elements(Likelihood.Bernoulli, Likelihood.Gaussian)
        from wr in Weight
        from wk in Weight
        from seed in Properties.Seed
        select new Case(kind, input, hidden, latent, batch, activation, likelihood, wr, wk, seed);

    internal static (LatentNetwork Model, float[,] X, float[,] Eps) Build(Case c)
    {
        var config = new ModelConfig { Kind = c.Kind, InputSize = c.Input, Hidden = c.Hidden, Latent = c.Latent, Activation = c.Activation, Likelihood = c.Likelihood };
        var model = LatentNetwork.Create(config, (ulong)c.Seed);
        var random = new SeededRandom((ulong)c.Seed + 1);
        var x = new float[c.Batch, c.Input];
        for (int b = 0; b < c.Batch; b++) for (int j = 0; j < c.Input; j++) x[b, j] = random.NextSingle();
        var eps = new float[c.Batch, c.Latent];
        new NoiseSource((ulong)c.Seed).Fill(new MatrixSpan(AsSpan(eps), c.Batch, c.Latent), 0);
        return (model, x, eps);
    }

    public static Span<float> AsSpan(float[,] a) => System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref a[0, 0], a.Length);

    internal static float[] AnalyticGradient(LatentNetwork model, float[,] x, float[,] eps, LossWeights weights, out LossBreakdown loss)
    {
        int batch = x.GetLength(0);
        using var ws = model.CreateWorkspace(batch);
        var gradients = new float[model.Parameters.Length];
        loss = model.ComputeLossAndGradients(new ReadOnlyMatrixSpan(AsSpan(x), batch, x.GetLength(1)),
            new ReadOnlyMatrixSpan(AsSpan(eps), batch, eps.GetLength(1)), weights, ws, gradients);
        return gradients;
    }

    [Fact]
    public void Every_parameter_gradient_matches_finite_differences_over_random_models()
    {
        Properties.Check(Cases, c =>
        {
            var (model, x, eps) = Build(c);
            var weights = new LossWeights(c.RecWeight, c.KlWeight);
            float[] analytic = AnalyticGradient(model, x, eps, weights, out _);
            var result = GradientChecker.Check(model, x, eps, weights, analytic, maxParameters: 1500, seed: c.Seed);
            Assert.True(result.Passed, $"{c}: {result.Mismatches.Count} mismatches, e.g. {string.Join("; ", result.Mismatches.Take(5))}");
            // Kinks may exclude a few parameters, never most of them.
            Assert.True(result.Checked >= 0.8 * (result.Checked + result.SkippedAtKinks), $"{c}: only {result.Checked} parameters checked");
        }, maxTest: 60);
    }

    [Fact]
    public void The_loss_matches_the_double_reference()
    {
        Properties.Check(Cases, c =>
        {
            var (model, x, eps) = Build(c);
            var weights = new LossWeights(c.RecWeight, c.KlWeight);
            AnalyticGradient(model, x, eps, weights, out var loss);
            double expected = new ReferenceModel(model).Loss(model.Parameters.Select(v => (double)v).ToArray(), x, eps, weights);
            Approx.Equal(expected, loss.Total, 1e-4, c.ToString());
            Approx.Equal(weights.Reconstruction * loss.Reconstruction + weights.Kl * loss.Kl, loss.Total, 1e-9, "total = weighted sum of terms");
        }, maxTest: 60);
    }

    private static Case Canonical(ModelKind kind = ModelKind.Variational) =>
        new(kind, 12, [9, 7], 3, 4, ActivationKind.Tanh, Likelihood.Bernoulli, 1f, 1f, 42);

    [Fact]
    public void The_checker_catches_a_backward_that_drops_the_KL_term()
    {
        var c = Canonical();
        var (model, x, eps) = Build(c);
        // The planted bug: gradients from a backward that leaves out the KL term (as if w_kl were 0),
        // checked against the full loss.
        float[] planted = AnalyticGradient(model, x, eps, new LossWeights(1f, 0f), out _);
        var result = GradientChecker.Check(model, x, eps, new LossWeights(1f, 1f), planted);
        Assert.False(result.Passed);
        Assert.Contains(result.Mismatches, m => m.StartsWith("encoder_logvar") || m.StartsWith("encoder_mu"));
        // …and the honest gradient passes the very same check.
        float[] honest = AnalyticGradient(model, x, eps, new LossWeights(1f, 1f), out _);
        Assert.True(GradientChecker.Check(model, x, eps, new LossWeights(1f, 1f), honest).Passed);
    }

    [Theory]
    [InlineData("decoder.0.bias")]
    [InlineData("encoder.2.weight")]
    [InlineData("encoder_mu.bias")]
    public void The_checker_catches_a_dropped_gradient_term_in_any_layer(string tensor)
    {
        var c = Canonical();
        var (model, x, eps) = Build(c);
        float[] gradient = AnalyticGradient(model, x, eps, new LossWeights(1f, 1f), out _);
        // The planted bug: one layer's backward forgets its accumulation (e.g. a missing column sum).
        var t = model.Layout.Find(tensor)!;
        Array.Clear(gradient, t.Offset, t.Length);
        var result = GradientChecker.Check(model, x, eps, new LossWeights(1f, 1f), gradient);
        Assert.False(result.Passed);
        Assert.All(result.Mismatches, m => Assert.StartsWith(tensor, m));
    }

    [Fact]
    public void The_checker_catches_a_reparameterization_gradient_off_by_the_half()
    {
        // The classic slip: ∂z/∂log σ² taken as ε·σ instead of ½·ε·σ. Emulate it by doubling the
        // reparameterization's contribution to the log-variance head (KL off so nothing else flows there).
        var c = Canonical() with { KlWeight = 0f };
        var (model, x, eps) = Build(c);
        var weights = new LossWeights(1f, 0f);
        float[] gradient = AnalyticGradient(model, x, eps, weights, out _);
        foreach (var name in new[] { "encoder_logvar.weight", "encoder_logvar.bias" })
        {
            var t = model.Layout.Find(name)!;
            for (int i = t.Offset; i < t.Offset + t.Length; i++) gradient[i] *= 2;
        }
        Assert.False(GradientChecker.Check(model, x, eps, weights, gradient).Passed);
    }
}
