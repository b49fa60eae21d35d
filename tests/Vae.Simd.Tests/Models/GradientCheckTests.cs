using FsCheck.Fluent;
using Vae.Simd.Evaluation;
using Vae.Simd.Testing;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Models;

/// <summary>
/// The heart of the test suite: every parameter's hand-derived gradient against finite differences of an independent
/// double-precision loss — through the library's public check and the generators of the Vae.Simd.Testing package, exactly
/// as a user would run them — and proof that the check catches wrong gradients.
/// </summary>
public class GradientCheckTests
{
    private static readonly GradientCase Canonical = new(
        new ModelConfig { InputSize = 12, Hidden = [9, 7], Latent = 3, Activation = ActivationKind.Tanh }, new LossWeights(1, 1), Rows: 4, Seed: 42);

    /// <summary>Every entry of every tensor of small models (entries per tensor = 0: all of them).</summary>
    private static readonly GradientCheckOptions Everything = new() { EntriesPerTensor = 0 };

    [Fact]
    public void Every_parameter_gradient_matches_finite_differences_over_random_models()
    {
        Properties.Check(VaeGenerators.Cases(), c =>
        {
            var report = GradientProperty.Report(c, Everything);
            Assert.True(report.Passed, $"{c}:\n{report}");
            // Kinks may exclude a few parameters, never most of them.
            int checkedEntries = report.Tensors.Sum(t => t.Checked), skipped = report.Tensors.Sum(t => t.SkippedAtKinks);
            Assert.True(checkedEntries >= 0.8 * (checkedEntries + skipped), $"{c}: only {checkedEntries} of {checkedEntries + skipped} entries checked");
            Assert.Equal(c.CreateModel().ParameterCount, checkedEntries + skipped);
        }, maxTest: 60);
    }

    [Fact]
    public void The_ready_property_passes_in_one_line_for_a_users_configuration()
        => GradientProperty.Check(new ModelConfig { InputSize = 17, Hidden = [33, 8], Latent = 5, Activation = ActivationKind.LeakyReLU }, cases: 10);

    [Fact]
    public void The_loss_matches_the_double_reference()
    {
        Properties.Check(VaeGenerators.Cases(), c =>
        {
            using var model = c.CreateModel();
            float[] x = c.Inputs(), eps = c.Noise();
            var loss = model.ComputeLoss(x, eps, c.Weights);
            double expected = new ReferenceLoss(model.Config, model.Network.Layout)
                .Loss(Array.ConvertAll(model.GetParameters(), v => (double)v), x, eps, c.Weights.Reconstruction, c.Weights.Kl);
            Approx.Equal(expected, loss.Total, 1e-4, c.ToString());
            Approx.Equal(c.Weights.Reconstruction * loss.Reconstruction + c.Weights.Kl * loss.Kl, loss.Total, 1e-9, "total = weighted sum of terms");
        }, maxTest: 60);
    }

    private static (LatentModel Model, float[] X, float[] Eps) Build(GradientCase c) => (c.CreateModel(), c.Inputs(), c.Noise());

    private static float[] Gradient(LatentModel model, float[] x, float[] eps, LossWeights weights)
    {
        var g = new float[model.ParameterCount];
        model.ComputeLossAndGradients(x, eps, g, weights);
        return g;
    }

    private static (int Offset, int Length) Find(LatentModel model, string name)
    {
        int offset = 0;
        foreach (var (n, shape) in model.ParameterTensors)
        {
            int length = shape.Aggregate(1, (a, b) => a * b);
            if (n == name) return (offset, length);
            offset += length;
        }
        throw new ArgumentException(name);
    }

    [Fact]
    public void The_checker_catches_a_backward_that_drops_the_KL_term()
    {
        var (model, x, eps) = Build(Canonical);
        // The planted bug: gradients from a backward that leaves out the KL term (as if w_kl were 0), checked against the full loss.
        float[] planted = Gradient(model, x, eps, new LossWeights(1f, 0f));
        var report = model.CheckGradients(x, eps, planted, new LossWeights(1f, 1f), Everything);
        Assert.False(report.Passed);
        Assert.Contains(report.Tensors, t => !t.Passed && t.Name.StartsWith("encoder_"));
        Assert.Contains("FAILED", report.ToString());
        // …and the honest gradient passes the very same check.
        Assert.True(model.CheckGradients(x, eps, new LossWeights(1f, 1f), Everything).Passed);
    }

    [Theory]
    [InlineData("decoder.0.bias")]
    [InlineData("encoder.2.weight")]
    [InlineData("encoder_mu.bias")]
    public void The_checker_catches_a_dropped_gradient_term_in_any_layer_and_names_that_tensor_alone(string tensor)
    {
        var (model, x, eps) = Build(Canonical);
        float[] gradient = Gradient(model, x, eps, new LossWeights(1f, 1f));
        // The planted bug: one layer's backward forgets its accumulation (e.g. a missing column sum).
        var (offset, length) = Find(model, tensor);
        Array.Clear(gradient, offset, length);
        var report = model.CheckGradients(x, eps, gradient, new LossWeights(1f, 1f), Everything);
        Assert.False(report.Passed);
        Assert.Equal([tensor], report.Tensors.Where(t => !t.Passed).Select(t => t.Name));
    }

    [Fact]
    public void The_checker_catches_a_reparameterization_gradient_off_by_the_half()
    {
        // The classic slip: ∂z/∂log σ² taken as ε·σ instead of ½·ε·σ. Emulate it by doubling the reparameterization's
        // contribution to the log-variance head (KL off so nothing else flows there).
        var c = Canonical with { Weights = new LossWeights(1f, 0f) };
        var (model, x, eps) = Build(c);
        float[] gradient = Gradient(model, x, eps, c.Weights);
        foreach (var name in new[] { "encoder_logvar.weight", "encoder_logvar.bias" })
        {
            var (offset, length) = Find(model, name);
            for (int i = offset; i < offset + length; i++) gradient[i] *= 2;
        }
        Assert.False(model.CheckGradients(x, eps, gradient, c.Weights, Everything).Passed);
    }

    [Fact]
    public void The_ready_property_catches_a_wrong_gradient()
    {
        // A user's backward pass that forgets the KL term: the property must find a VAE case with a KL weight and fail.
        var ex = Assert.Throws<GradientCheckFailedException>(() => GradientProperty.Check(
            VaeGenerators.Configs().Select(config => config with { Kind = ModelKind.Variational }), cases: 30,
            gradientOf: (model, c) => c.Weights.Reconstruction > 0
                ? Gradient(model, c.Inputs(), c.Noise(), c.Weights with { Kl = 0 })
                : new float[model.ParameterCount]));   // a KL-only loss without its KL term: no gradient at all
        Assert.Contains("FAILED", ex.Message);
    }
}
