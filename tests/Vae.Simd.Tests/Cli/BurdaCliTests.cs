using System.Text.Json;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Cli;

public class BurdaCliTests : CliFixture
{
    [Fact]
    public void The_quick_Burda_experiment_writes_a_report_of_the_stated_form_beside_the_papers_numbers()
    {
        string dir = Path.Combine(Out, "burda");
        var (code, output, error) = Run("experiment", "burda", "--quick", "--k", "1,5", "--out", dir, "--threads", "2", "--quiet");
        Assert.True(code == 0, error + output);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json"))))
        {
            var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToList();
            Assert.Equal([("vae", 1), ("iwae", 5)], runs.Select(r => (r.GetProperty("objective").GetString(), r.GetProperty("k").GetInt32())));
            foreach (var r in runs)
            {
                Assert.Equal(2, r.GetProperty("epochs").GetInt32());
                double ll = r.GetProperty("test_log_likelihood").GetDouble();
                Assert.True(ll < 0 && ll > -800, $"log p(x) {ll}");
                Assert.True(ll >= r.GetProperty("test_elbo").GetDouble() - 5, "the IW estimate is (nearly) never below the ELBO");
                double se = r.GetProperty("standard_error").GetDouble();
                Assert.True(se > 0 && se < 20, $"standard error {se}");
                Assert.InRange(r.GetProperty("active_units").GetInt32(), 0, 50);
                Assert.True(r.GetProperty("seconds").GetDouble() >= 0);
            }
            Assert.Equal(-86.76, runs[0].GetProperty("paper").GetDouble());
            Assert.Equal(-85.50, runs[1].GetProperty("reproduction").GetDouble());
        }
        string report = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("| VAE k = 1 | 2 of 3280 (**truncated**)", report);
        Assert.Contains("-86.76", report);
        Assert.True(File.Exists(Path.Combine(dir, "training-curves.png")));
        Assert.True(File.Exists(Path.Combine(dir, "iwae-k5", "checkpoint.safetensors")));
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "iwae-k5", "config.json"))))
        {
            var t = config.RootElement.GetProperty("training");
            Assert.Equal(("iwae", 5, 20, "burda"), (t.GetProperty("objective").GetString(), t.GetProperty("k").GetInt32(), t.GetProperty("batch_size").GetInt32(), t.GetProperty("schedule").GetString()));
            Assert.Equal(1e-4, t.GetProperty("adam_epsilon").GetDouble(), 9);
        }

        // Running it again resumes (nothing left to train) and measures the same numbers.
        byte[] model = File.ReadAllBytes(Path.Combine(dir, "vae-k1", "model.safetensors"));
        Assert.Equal(0, Run("experiment", "burda", "--quick", "--k", "1", "--out", dir, "--quiet").Code);
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(dir, "vae-k1", "model.safetensors")));

        // A run of another recipe is not continued as this one: the quick subset as the full experiment, or another seed.
        var full = Run("experiment", "burda", "--k", "1", "--epochs", "3", "--iw-images", "2", "--out", dir, "--quiet");
        Assert.Equal(2, full.Code);
        Assert.Contains("another recipe (it trains on the first 2,000 images, this run on all of them;", full.Err);
        var seed = Run("experiment", "burda", "--quick", "--k", "1", "--seed", "2", "--out", dir, "--quiet");
        Assert.Equal(2, seed.Code);
        Assert.Contains("its seed is 1, this run's 2", seed.Err);
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(dir, "vae-k1", "model.safetensors")));
    }

    [Fact]
    public void Train_takes_the_objective_and_k_and_refuses_the_bound_for_an_autoencoder()
    {
        string dir = Path.Combine(Out, "iwae");
        var (code, _, error) = Run("train", "--data", Data.Directory, "--epochs", "1", "--hidden", "16", "--latent", "3", "--objective", "iwae", "--k", "3", "--out", dir, "--quiet");
        Assert.True(code == 0, error);
        var bad = Run("train", "--data", Data.Directory, "--model", "ae", "--objective", "iwae", "--out", Path.Combine(Out, "ae"), "--quiet");
        Assert.Equal(2, bad.Code);
        Assert.Contains("needs a VAE", bad.Err);
        Assert.Contains("--objective", Run("train", "--objective", "bogus", "--out", Path.Combine(Out, "x")).Err);
    }

    [Fact]
    public void The_number_of_test_images_for_the_estimate_is_bounded_by_the_test_set()
    {
        foreach (string bad in new[] { "0", "10001", "-3" })
        {
            var (code, _, error) = Run("experiment", "burda", "--quick", "--iw-images", bad, "--out", Path.Combine(Out, "b" + bad), "--quiet");
            Assert.Equal(2, code);
            Assert.Contains("--iw-images", error);
        }
    }
}
