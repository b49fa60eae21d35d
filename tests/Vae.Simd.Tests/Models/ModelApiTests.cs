using Vae.Simd.Common;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Tests.Models;

public class ModelApiTests
{
    private static readonly ModelConfig Small = new() { InputSize = 10, Hidden = [8, 6], Latent = 3 };

    [Fact]
    public void Parameters_are_named_like_PyTorch_and_initialised_uniformly_within_one_over_root_fan_in()
    {
        var model = new VariationalNetwork(Small, seed: 3);
        string[] names = model.Layout.Tensors.Select(t => t.Name).ToArray();
        Assert.Equal(new[] {
            "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
            "encoder_mu.weight", "encoder_logvar.weight", "encoder_mu.bias", "encoder_logvar.bias",
            "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias", "decoder.4.weight", "decoder.4.bias" }, names);
        foreach (var t in model.Layout.Tensors)
        {
            int fanIn = t.Name.StartsWith("encoder.0") ? 10 : t.Name.StartsWith("encoder.2") ? 8 : t.Name.StartsWith("encoder_") ? 6
                : t.Name.StartsWith("decoder.0") ? 3 : t.Name.StartsWith("decoder.2") ? 6 : 8;
            var values = model.Parameters.AsSpan(t.Offset, t.Length).ToArray();
            Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, 1 / Math.Sqrt(fanIn)));
            Assert.True(values.Distinct().Count() > values.Length / 2, $"{t.Name} looks constant");
        }
        Assert.Equal(model.Parameters, new VariationalNetwork(Small, seed: 3).Parameters);
        Assert.NotEqual(model.Parameters, new VariationalNetwork(Small, seed: 4).Parameters);
    }

    [Fact]
    public void The_canonical_model_has_the_PyTorch_example_parameter_count()
    {
        var model = LatentNetwork.Create(new ModelConfig());
        // fc1 784·400+400, fc21/fc22 2·(400·20+20), fc3 20·400+400, fc4 400·784+784.
        Assert.Equal(784 * 400 + 400 + 2 * (400 * 20 + 20) + 20 * 400 + 400 + 400 * 784 + 784, model.Parameters.Length);
        Assert.IsType<VariationalNetwork>(model);
    }

    [Fact]
    public void Bad_inputs_get_errors_that_name_the_problem()
    {
        var model = new VariationalNetwork(Small);
        using var ws = model.CreateWorkspace(4);
        var grads = new float[model.Parameters.Length];
        var x = new float[4 * 10]; var eps = new float[4 * 3];
        var ex = Assert.Throws<ArgumentException>(() => model.ComputeLossAndGradients(new ReadOnlyMatrixSpan(x, 4, 9, 10), new ReadOnlyMatrixSpan(eps, 4, 3), new(), ws, grads));
        Assert.Equal("x", ex.ParamName);
        Assert.Contains("10 values per image", ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => model.ComputeLossAndGradients(new ReadOnlyMatrixSpan(x, 4, 10), new ReadOnlyMatrixSpan(eps, 3, 3), new(), ws, grads));
        Assert.Equal("epsilon", ex2.ParamName);
        x[13] = float.NaN;
        var ex3 = Assert.Throws<ArgumentException>(() => model.ComputeLossAndGradients(new ReadOnlyMatrixSpan(x, 4, 10), new ReadOnlyMatrixSpan(eps, 4, 3), new(), ws, grads));
        Assert.Contains("x[1, 3]", ex3.Message);
        x[13] = 0;
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeLoss(new ReadOnlyMatrixSpan(x, 4, 10), new ReadOnlyMatrixSpan(eps, 4, 3), new LossWeights(-1f, 1f), ws));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeLoss(new ReadOnlyMatrixSpan(x, 4, 10), new ReadOnlyMatrixSpan(eps, 4, 3), new LossWeights(1f, float.NaN), ws));
        var big = new float[5 * 10];
        var ex4 = Assert.Throws<ArgumentException>(() => model.ComputeLoss(new ReadOnlyMatrixSpan(big, 5, 10), new ReadOnlyMatrixSpan(new float[15], 5, 3), new(), ws));
        Assert.Contains("at most 4", ex4.Message);
        var other = new VariationalNetwork(Small);
        Assert.Throws<ArgumentException>(() => other.ComputeLoss(new ReadOnlyMatrixSpan(x, 4, 10), new ReadOnlyMatrixSpan(eps, 4, 3), new(), ws));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelConfig { Latent = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelConfig { Hidden = [400, 0] }.Validate());
    }

    [Fact]
    public void Inference_shapes_hold_for_batches_larger_than_the_workspace()
    {
        var model = new VariationalNetwork(Small, seed: 5);
        using var ws = model.CreateWorkspace(3);
        var random = new SeededRandom(1);
        var x = Enumerable.Range(0, 7 * 10).Select(_ => random.NextSingle()).ToArray();
        float[] mu = new float[21], logVar = new float[21], code = new float[21], recon = new float[70], samples = new float[50];
        model.Encode(new ReadOnlyMatrixSpan(x, 7, 10), new MatrixSpan(mu, 7, 3), new MatrixSpan(logVar, 7, 3), ws);
        model.EncodeMean(new ReadOnlyMatrixSpan(x, 7, 10), new MatrixSpan(code, 7, 3), ws);
        Assert.Equal(mu, code);
        model.Reconstruct(new ReadOnlyMatrixSpan(x, 7, 10), new MatrixSpan(recon, 7, 10), ws);
        var decoded = new float[70];
        model.Decode(new ReadOnlyMatrixSpan(mu, 7, 3), new MatrixSpan(decoded, 7, 10), ws);
        Assert.Equal(decoded, recon);
        Assert.All(recon, p => Assert.InRange(p, 0f, 1f));
        model.Sample(new MatrixSpan(samples, 5, 10), new NoiseSource(9), ws);
        Assert.All(samples, p => Assert.InRange(p, 0f, 1f));
        var again = new float[50];
        model.Sample(new MatrixSpan(again, 5, 10), new NoiseSource(9), ws);
        Assert.Equal(samples, again);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(300)]
    public void Inference_on_several_threads_is_bitwise_the_single_threaded_result(int batch)
    {
        var model = new VariationalNetwork(new ModelConfig(), seed: 7);
        var random = new SeededRandom(2);
        var x = Enumerable.Range(0, batch * 784).Select(_ => random.NextSingle()).ToArray();
        float[] one = new float[batch * 784], two = new float[batch * 784], mu = new float[batch * 20], logVar = new float[batch * 20];
        using (var ws = model.CreateWorkspace(batch)) model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(one, batch, 784), ws);
        using (var ws = model.CreateWorkspace(batch, threads: 2)) model.Reconstruct(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(two, batch, 784), ws);
        Assert.Equal(one, two);
        // And the μ-only head used by Reconstruct gives exactly the μ of the full encoder.
        using (var ws = model.CreateWorkspace(batch)) model.Encode(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(mu, batch, 20), new MatrixSpan(logVar, batch, 20), ws);
        var decoded = new float[batch * 784];
        using (var ws = model.CreateWorkspace(batch)) model.Decode(new ReadOnlyMatrixSpan(mu, batch, 20), new MatrixSpan(decoded, batch, 784), ws);
        Assert.Equal(one, decoded);
    }

    [Fact]
    public void An_autoencoder_ignores_noise_and_has_no_KL()
    {
        var model = new AutoencoderNetwork(Small with { Likelihood = Likelihood.Gaussian }, seed: 2);
        Assert.Contains(model.Layout.Tensors, t => t.Name == "encoder_code.weight");
        using var ws = model.CreateWorkspace(2);
        var x = new float[20];
        var loss = model.ComputeLoss(new ReadOnlyMatrixSpan(x, 2, 10), default, new LossWeights(1f, 5f), ws);
        Assert.Equal(0, loss.Kl);
        Assert.Equal(loss.Reconstruction, loss.Total, 9);
        Assert.Equal(2, loss.Samples);
    }

    [Fact]
    public void Noise_is_standard_normal_and_depends_only_on_seed_and_sample()
    {
        var noise = new NoiseSource(11);
        var all = new float[1000 * 20];
        noise.Fill(new MatrixSpan(all, 1000, 20), 0);
        double mean = all.Average(v => (double)v), variance = all.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.03, 0.03);       // 20,000 draws: standard error 0.007
        Assert.InRange(variance, 0.95, 1.05);
        var row = new float[20];
        noise.FillRow(row, 537);
        Assert.Equal(all.AsSpan(537 * 20, 20).ToArray(), row);
        new NoiseSource(12).FillRow(row, 537);
        Assert.NotEqual(all.AsSpan(537 * 20, 20).ToArray(), row);
    }
}
