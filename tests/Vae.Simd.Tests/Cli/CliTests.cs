using System.Text.Json;
using Vae.Cli;
using Vae.Simd;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Cli;

public class CliTests : CliFixture
{
    private string[] Train(params string[] extra) =>
        ["train", "--data", Data.Directory, "--out", Out, "--hidden", "16", "--latent", "2", "--epochs", "2", "--batch-size", "32", "--threads", "2", .. extra];

    [Fact]
    public void Train_writes_the_model_config_metrics_and_pictures()
    {
        var (code, output, error) = Run(Train());
        Assert.True(code == 0, error);
        Assert.Contains("epoch   2/2", output);
        foreach (var f in new[] { "model.safetensors", "config.json", "metrics.json", "samples.png", "reconstructions.png" })
            Assert.True(File.Exists(Path.Combine(Out, f)), $"{f} missing");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "metrics.json")));
        var epochs = metrics.RootElement.GetProperty("epochs");
        Assert.Equal(2, epochs.GetArrayLength());
        foreach (var e in epochs.EnumerateArray())
            foreach (var field in new[] { "epoch", "train_loss", "test_loss", "seconds", "samples_per_second" })
                Assert.True(e.GetProperty(field).GetDouble() > 0, field);
        Assert.True(epochs[1].GetProperty("test_loss").GetDouble() < epochs[0].GetProperty("train_loss").GetDouble());
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "config.json")));
        Assert.Equal(2, config.RootElement.GetProperty("model").GetProperty("latent").GetInt32());
        var png = File.ReadAllBytes(Path.Combine(Out, "samples.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void An_existing_model_is_kept_unless_force_is_given_and_sample_and_reconstruct_read_it()
    {
        Assert.Equal(0, Run(Train()).Code);
        string model = Path.Combine(Out, "model.safetensors");
        byte[] before = File.ReadAllBytes(model);
        var (code, _, error) = Run(Train("--seed", "2"));
        Assert.Equal(2, code);
        Assert.Contains("--force", error);
        Assert.Equal(before, File.ReadAllBytes(model));
        Assert.Equal(0, Run(Train("--seed", "2", "--force", "--quiet")).Code);
        Assert.NotEqual(before, File.ReadAllBytes(model));

        string samples = Path.Combine(Out, "s.png"), recon = Path.Combine(Out, "r.png");
        Assert.Equal(0, Run("sample", "--model", Out, "--n", "9", "--out", samples).Code);
        Assert.Equal(0, Run("reconstruct", "--model", Out, "--n", "5", "--out", recon, "--data", Data.Directory).Code);
        Assert.True(new FileInfo(samples).Length > 50 && new FileInfo(recon).Length > 50);
    }

    [Theory]
    [InlineData("--latent", "0", "--latent")]
    [InlineData("--batch-size", "0", "--batch-size")]
    [InlineData("--lr", "-1", "--lr")]
    [InlineData("--hidden", "400,abc", "--hidden")]
    [InlineData("--model", "gan", "--model")]
    [InlineData("--activation", "swish", "--activation")]
    [InlineData("--binarize", "sometimes", "--binarize")]
    [InlineData("--epochs", "ten", "--epochs")]
    [InlineData("--kl-weight", "-0.5", "--kl-weight")]
    public void Bad_option_values_get_one_clear_line_and_a_nonzero_exit(string option, string value, string named)
    {
        var (code, _, error) = Run(Train(option, value));
        Assert.NotEqual(0, code);
        Assert.Contains(named, error);
        Assert.DoesNotContain("   at ", error);
        Assert.True(error.Trim().Split('\n').Length <= 2, error);
        Assert.False(File.Exists(Path.Combine(Out, "model.safetensors")));
    }

    [Fact]
    public void Missing_or_corruptData_and_missing_models_are_reported_without_a_stack_trace()
    {
        var (code, _, error) = Run("train", "--data", "/nonexistent/dir", "--out", Out);
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/dir", error);

        File.WriteAllBytes(Path.Combine(Data.Directory, "train-images-idx3-ubyte.gz"), [0x1F, 0x8B, 8, 0, 0]);
        (code, _, error) = Run(Train());
        Assert.Equal(2, code);
        Assert.Contains("train-images-idx3-ubyte.gz", error);
        Assert.DoesNotContain("   at ", error);

        (code, _, error) = Run("sample", "--model", "/nonexistent/model", "--out", Path.Combine(Out, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("no model", error);
    }

    [Fact]
    public void The_progress_bar_redraws_in_place_on_a_terminal_and_stays_silent_when_quiet()
    {
        var terminal = new StringWriter();
        var progress = new EpochProgress(quiet: false, terminal, interactive: true);
        progress.StartEpoch();
        progress.Step(1, 3, 500, 1000, 123.4);
        progress.EndEpoch("epoch 1/3 done");
        Assert.Contains("\repoch 1/3 [###############---------------]  50.0%", terminal.ToString());
        Assert.Contains("samples/s", terminal.ToString());
        var quiet = new StringWriter();
        var silent = new EpochProgress(quiet: true, quiet, interactive: true);
        silent.StartEpoch(); silent.Step(1, 1, 1, 1, 1); silent.EndEpoch("x"); silent.Info("y");
        Assert.Equal("", quiet.ToString());
    }
}
