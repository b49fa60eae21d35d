using Vae.Cli;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Cli;

public class GradcheckCliTests : CliFixture
{
    [Fact]
    public void Gradcheck_passes_on_the_library_and_the_fused_step_equals_the_reference()
    {
        var (code, output, error) = Run("gradcheck", "--input", "12", "--hidden", "9,7", "--latent", "3", "--activation", "tanh", "--entries", "0", "--trainer");
        Assert.True(code == 0, error + output);
        Assert.Contains("encoder_logvar.weight", output);
        Assert.Contains("passed", output);
        Assert.Contains("bit for bit", output);
        var ae = Run("gradcheck", "--kind", "ae", "--input", "10", "--hidden", "5", "--latent", "2", "--kl-weight", "0");
        Assert.True(ae.Code == 0, ae.Err + ae.Out);
    }

    [Fact]
    public void Gradcheck_fails_with_exit_code_4_and_names_the_tensor_on_a_planted_bug()
    {
        var settings = new GradcheckCommand.Settings(new ModelConfig { InputSize = 12, Hidden = [9], Latent = 3 }, null, 4, 1, new LossWeights(), new GradientCheckOptions { EntriesPerTensor = 0 }, Trainer: false);
        var output = new StringWriter();
        // The planted bug: a backward pass whose decoder.0.bias gradient is halved.
        int code = GradcheckCommand.Run(settings, output, (model, x, eps) =>
        {
            var g = new float[model.ParameterCount];
            model.ComputeLossAndGradients(x, eps, g);
            int offset = 0;
            foreach (var (name, shape) in model.ParameterTensors)
            {
                int length = shape.Aggregate(1, (a, b) => a * b);
                if (name == "decoder.0.bias") for (int i = offset; i < offset + length; i++) g[i] *= 0.5f;
                offset += length;
            }
            return g;
        });
        Assert.Equal(GradcheckCommand.Failed, code);
        Assert.Contains("FAILED", output.ToString());
        Assert.Contains("decoder.0.bias[", output.ToString());
    }

    [Fact]
    public void Gradcheck_checks_a_trained_model_and_refuses_nonsense()
    {
        string dir = Path.Combine(Out, "model");
        Assert.Equal(0, Run("train", "--data", Data.Directory, "--epochs", "1", "--hidden", "16", "--latent", "2", "--out", dir, "--quiet").Code);
        var (code, output, error) = Run("gradcheck", "--model", dir, "--entries", "16");
        Assert.True(code == 0, error + output);
        Assert.Contains("vae 64-16-2", output);
        var bad = Run("gradcheck", "--rows", "0");
        Assert.Equal(2, bad.Code);
        Assert.Contains("--rows", bad.Err);
    }
}
