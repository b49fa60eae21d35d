using FsCheck.Fluent;
using Vae.Simd.Common;
using Vae.Simd.Evaluation;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Testing;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Models;

/// <summary>The k-sample objectives (Burda et al.): the importance-weighted bound's hand-derived gradient against finite
/// differences, its relation to the ELBO, and a planted error the check catches.</summary>
public class IwaeTests
{
    private sealed record Case(ModelConfig Config, int Rows, int K, ulong Seed)
    {
        public override string ToString() => $"{Config}, {Rows} rows × k = {K}, seed {Seed}";
    }

    private static readonly FsCheck.Gen<Case> Cases =
        from config in VaeGenerators.Configs(maxInput: 12, maxDepth: 2, maxWidth: 16, maxLatent: 5)
        from rows in Gen.Choose(1, 3)
        from k in Gen.Choose(2, 5)
        from seed in Gen.Choose(0, int.MaxValue)
        select new Case(config with { Kind = ModelKind.Variational }, rows, k, (ulong)seed);

    /// <summary>The network, x with k copies of each row back to back, and one noise row per copy.</summary>
    private static (VariationalNetwork Network, float[] X, float[] Eps) Build(Case c)
    {
        var network = new VariationalNetwork(c.Config, c.Seed);
        var random = new SeededRandom(c.Seed + 1);
        // A learned output log-variance starts at 0; check the bound's gradient at other variances too.
        foreach (var vector in network.Vectors)
        {
            var p = network.Parameters.ToArray();
            for (int i = 0; i < vector.Length; i++) p[vector.Offset + i] = random.NextUniform(-2, 2);
            network.SetParameters(p);
        }
        int input = c.Config.InputSize;
        var x = new float[c.Rows * c.K * input];
        for (int r = 0; r < c.Rows; r++)
        {
            var row = Enumerable.Range(0, input).Select(_ => random.NextSingle()).ToArray();
            for (int copy = 0; copy < c.K; copy++) row.CopyTo(x, (r * c.K + copy) * input);
        }
        var eps = new float[c.Rows * c.K * c.Config.Latent];
        new NoiseSource(c.Seed).Fill(new MatrixSpan(eps, c.Rows * c.K, c.Config.Latent), 0);
        return (network, x, eps);
    }

    private static float[] IwaeGradient(VariationalNetwork network, Case c, float[] x, float[] eps, out LossBreakdown loss)
    {
        using var ws = network.CreateWorkspace(c.Rows * c.K);
        var gradients = new float[network.Parameters.Length];
        loss = network.ComputeIwaeLossAndGradients(new ReadOnlyMatrixSpan(x, c.Rows * c.K, c.Config.InputSize),
            new ReadOnlyMatrixSpan(eps, c.Rows * c.K, c.Config.Latent), c.K, 1f, ws, gradients);
        return gradients;
    }

    private static GradientCheckReport Check(VariationalNetwork network, Case c, float[] x, float[] eps, float[] gradient)
    {
        var reference = new ReferenceLoss(network.Config, network.Layout);
        return GradientChecker.Check(network, (p, kinks) => reference.IwaeLoss(p, x, eps, c.K, kinks), gradient, new GradientCheckOptions { EntriesPerTensor = 0 });
    }

    [Fact]
    public void The_importance_weighted_bound_and_its_gradient_match_a_double_reference_for_k_above_one()
    {
        Properties.Check(Cases, c =>
        {
            var (network, x, eps) = Build(c);
            var gradient = IwaeGradient(network, c, x, eps, out var loss);
            double expected = new ReferenceLoss(network.Config, network.Layout).IwaeLoss(Array.ConvertAll(network.Parameters, v => (double)v), x, eps, c.K);
            Approx.Equal(expected, loss.Total, 1e-4, $"{c}: the bound");
            var report = Check(network, c, x, eps, gradient);
            Assert.True(report.Passed, $"{c}:\n{report}");
        }, maxTest: 40);
    }

    [Fact]
    public void The_check_catches_unnormalized_importance_weights()
    {
        // The planted error: every copy weighted 1/k, as if the bound were the k-sample ELBO — the gradient of the wrong objective.
        var c = new Case(new ModelConfig { InputSize = 10, Hidden = [8], Latent = 3, Activation = ActivationKind.Tanh }, 2, 4, 7);
        var (network, x, eps) = Build(c);
        Assert.True(Check(network, c, x, eps, IwaeGradient(network, c, x, eps, out _)).Passed);
        using var ws = network.CreateWorkspace(c.Rows * c.K);
        var planted = new float[network.Parameters.Length];
        network.ComputeLossAndGradients(new ReadOnlyMatrixSpan(x, 8, 10), new ReadOnlyMatrixSpan(eps, 8, 3), new LossScale(0.25f, 0.25f), ws, planted);
        var report = Check(network, c, x, eps, planted);
        Assert.False(report.Passed);
        Assert.Contains(report.Tensors, t => !t.Passed && t.Name.StartsWith("encoder"));
    }

    [Fact]
    public void With_one_sample_the_bound_is_the_ELBO_in_expectation_and_more_samples_tighten_it()
    {
        var config = new ModelConfig { InputSize = 12, Hidden = [10], Latent = 3 };
        var network = new VariationalNetwork(config, 3);
        var random = new SeededRandom(4);
        var row = Enumerable.Range(0, 12).Select(_ => random.NextSingle()).ToArray();
        const int draws = 20_000;
        double Mean(int k)
        {
            var x = new float[draws * 12];
            for (int i = 0; i < draws; i++) row.CopyTo(x, i * 12);
            var eps = new float[draws * 3];
            new NoiseSource(9).Fill(new MatrixSpan(eps, draws, 3), 0);
            using var ws = network.CreateWorkspace(draws);
            return network.ComputeIwaeLossAndDeltas(new ReadOnlyMatrixSpan(x, draws, 12), new ReadOnlyMatrixSpan(eps, draws, 3), k, 1f, ws, withGradient: false).Total / (draws / k);
        }
        // The ELBO with its analytic KL, at the same row: −log p(x|z) averaged over draws + KL.
        var xs = new float[draws * 12];
        for (int i = 0; i < draws; i++) row.CopyTo(xs, i * 12);
        var e = new float[draws * 3];
        new NoiseSource(9).Fill(new MatrixSpan(e, draws, 3), 0);
        using var w = network.CreateWorkspace(draws);
        double elbo = network.ComputeLoss(new ReadOnlyMatrixSpan(xs, draws, 12), new ReadOnlyMatrixSpan(e, draws, 3), new LossScale(1, 1), w).Total / draws;
        double k1 = Mean(1), k5 = Mean(5), k50 = Mean(50);
        Assert.True(Math.Abs(k1 - elbo) < 0.02 * Math.Abs(elbo), $"k = 1: {k1}, ELBO {elbo}");
        Assert.True(k5 < k1 && k50 < k5, $"the bound must tighten with k: {k1}, {k5}, {k50}");
    }

    [Fact]
    public void Fit_trains_with_the_bound_and_the_k_sample_ELBO_and_refuses_what_the_bound_cannot_do()
    {
        var data = Training.TrainerTests.Synthetic(120);
        var config = new ModelConfig { InputSize = 64, Hidden = [16], Latent = 3 };
        foreach (var (objective, k) in new[] { (Objective.Iwae, 3), (Objective.Elbo, 3), (Objective.Iwae, 1) })
        {
            using var model = new VariationalAutoencoder(config, seed: 2);
            var history = model.Fit(data, new TrainingOptions { Epochs = 4, BatchSize = 20, Objective = objective, Samples = k, Threads = 2 });
            Assert.True(history[^1].Train.TotalPerSample < history[0].Train.TotalPerSample, $"{objective} k = {k} did not learn");
        }
        // k = 1 of the k-sample ELBO is today's ELBO, bit for bit.
        using (var a = new VariationalAutoencoder(config, seed: 2))
        using (var b = new VariationalAutoencoder(config, seed: 2))
        {
            a.Fit(data, new TrainingOptions { Epochs = 1 });
            b.Fit(data, new TrainingOptions { Epochs = 1, Objective = Objective.Elbo, Samples = 1 });
            Assert.Equal(a.GetParameters(), b.GetParameters());
        }
        using var ae = new Autoencoder(config);
        Assert.Contains("needs a VAE", Assert.Throws<ArgumentException>(() => ae.Fit(data, new TrainingOptions { Objective = Objective.Iwae })).Message);
        using var vae = new VariationalAutoencoder(config);
        Assert.Contains("weights (1, 1)", Assert.Throws<ArgumentException>(() => vae.Fit(data, new TrainingOptions { Objective = Objective.Iwae, Weights = new(1, 0.5f) })).Message);
        Assert.Equal("Samples", Assert.Throws<ArgumentOutOfRangeException>(() => vae.Fit(data, new TrainingOptions { Samples = 0 })).ParamName);
    }
}
