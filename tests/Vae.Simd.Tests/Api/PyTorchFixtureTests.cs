using System.Text.Json;
using Vae.Cli;

namespace Vae.Simd.Tests.Api;

/// <summary>
/// Weights trained by PyTorch (the VAE example's shape and names, no Vae.Simd metadata), imported with <c>vae import</c>, give
/// the outputs PyTorch computed for them. The fixture and its expected outputs come from benchmarks/peers/torch_fixture.py.
/// </summary>
public sealed class PyTorchFixtureTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
    private readonly string _out = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public void A_PyTorch_example_state_dict_imported_with_vae_import_reconstructs_as_PyTorch_does()
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "torch-example-vae.expected.json")));
        var e = expected.RootElement;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = VaeCommand.Run(["import", "--weights", Path.Combine(Fixtures, "torch-example-vae.safetensors"), "--hidden", "32", "--latent", "4", "--out", _out], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("imported vae 784-32-4", stdout.ToString());

        using var model = VariationalAutoencoder.Load(_out);
        Assert.Equal((28, 28), (model.Config.ImageHeight, model.Config.ImageWidth));
        int n = e.GetProperty("test_images").GetInt32();
        var test = Dataset.LoadMnist(VaeCommand.DefaultDataDirectory()).Test.Take(n);
        var (mu, logVar) = model.Encode(test.Rows(0, n));
        AssertClose(e.GetProperty("mu_first_5"), mu, 4, 2e-5, "μ");
        AssertClose(e.GetProperty("logvar_first_5"), logVar, 4, 2e-5, "log σ²");

        var reconstruction = model.Reconstruct(test.Rows(0, n));
        var first = e.GetProperty("reconstruction_first_image").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int j = 0; j < 784; j++) Assert.True(Math.Abs(first[j] - reconstruction[j]) < 2e-6, $"pixel {j}: PyTorch {first[j]}, ours {reconstruction[j]}");

        // PyTorch's binary_cross_entropy (each log clamped at −100) and the squared error, in double.
        double bce = 0, squared = 0;
        var x = test.Rows(0, n);
        for (int i = 0; i < x.Length; i++)
        {
            double p = reconstruction[i], t = x[i];
            bce -= t * Math.Max(Math.Log(p), -100) + (1 - t) * Math.Max(Math.Log(1 - p), -100);
            squared += (p - t) * (p - t);
        }
        Approx(e.GetProperty("mean_bce_of_mean_reconstruction").GetDouble(), bce / n, 1e-5, "mean BCE per image");
        Approx(e.GetProperty("mse_per_pixel_of_mean_reconstruction").GetDouble(), squared / x.Length, 1e-5, "MSE per pixel");
    }

    private static void AssertClose(JsonElement rows, float[] actual, int width, double tolerance, string what)
    {
        int r = 0;
        foreach (var row in rows.EnumerateArray())
        {
            int c = 0;
            foreach (var v in row.EnumerateArray())
            {
                Assert.True(Math.Abs(v.GetDouble() - actual[r * width + c]) < tolerance, $"{what}[{r}, {c}]: PyTorch {v.GetDouble()}, ours {actual[r * width + c]}");
                c++;
            }
            r++;
        }
    }

    private static void Approx(double expected, double actual, double relative, string what)
        => Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected), $"{what}: PyTorch {expected}, ours {actual}");
}
