using System.Text.Json;
using Vae.Cli;
using Vae.Simd;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Cli;

public class EvaluationCliTests : CliFixture
{
    private string TrainSmall(string kind = "vae", int latent = 2)
    {
        string dir = Path.Combine(Out, $"{kind}-{latent}");
        var (code, _, error) = Run("train", "--data", Data.Directory, "--out", dir, "--model", kind, "--hidden", "16", "--latent", latent.ToString(),
            "--epochs", "2", "--batch-size", "32", "--threads", "2", "--quiet");
        Assert.True(code == 0, error);
        return dir;
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        return ((bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19], (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23]);
    }

    [Fact]
    public void Evaluate_prints_and_writes_every_metric_and_the_importance_weighted_bound_is_above_the_ELBO()
    {
        string model = TrainSmall();
        string classifier = Path.Combine(Out, "judge.safetensors");
        var (code, output, error) = Run("evaluate", "--model", model, "--data", Data.Directory, "--classifier", classifier,
            "--samples", "200", "--iw-samples", "500", "--iw-images", "32", "--threads", "2");
        Assert.True(code == 0, error);
        Assert.Contains("test ELBO per image", output);
        Assert.Contains("importance-weighted", output);
        Assert.True(File.Exists(classifier), "the judge was not cached");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(model, "evaluation.json")));
        var root = json.RootElement;
        foreach (var field in new[] { "test_recon_mse", "fid", "latent_std", "aggregate_kl", "test_elbo", "iw_log_likelihood", "iw_elbo_same_images", "sample_entropy", "prior_hole_fraction", "fitted_hole_fraction" })
            Assert.Equal(JsonValueKind.Number, root.GetProperty(field).ValueKind);
        Assert.True(root.GetProperty("iw_log_likelihood").GetDouble() >= root.GetProperty("iw_elbo_same_images").GetDouble());
        Assert.Equal(2, root.GetProperty("latent_per_dimension").GetProperty("skew").GetArrayLength());

        // The cached judge is reused, not retrained: its bytes do not change.
        byte[] cached = File.ReadAllBytes(classifier);
        Assert.Equal(0, Run("evaluate", "--model", model, "--data", Data.Directory, "--classifier", classifier, "--samples", "50", "--iw-samples", "0").Code);
        Assert.Equal(cached, File.ReadAllBytes(classifier));
    }

    [Fact]
    public void Precision_bfloat16_and_int8_evaluate_the_reduced_weights_and_a_nonsense_precision_is_refused_before_any_output()
    {
        string model = TrainSmall(latent: 3);
        string exact = Path.Combine(Out, "exact.json"), rounded = Path.Combine(Out, "rounded.json");
        string[] common = ["evaluate", "--model", model, "--data", Data.Directory, "--no-sample-quality", "--iw-samples", "0", "--threads", "2"];
        Assert.Equal(0, Run([.. common, "--out", exact]).Code);
        var (code, output, error) = Run([.. common, "--out", rounded, "--precision", "bfloat16"]);
        Assert.True(code == 0, error);
        Assert.Contains("bfloat16", output);
        using var a = JsonDocument.Parse(File.ReadAllText(exact));
        using var b = JsonDocument.Parse(File.ReadAllText(rounded));
        Assert.Equal("float32", a.RootElement.GetProperty("precision").GetString());
        Assert.Equal("bfloat16", b.RootElement.GetProperty("precision").GetString());
        double e = a.RootElement.GetProperty("test_elbo").GetDouble(), r = b.RootElement.GetProperty("test_elbo").GetDouble();
        Assert.NotEqual(e, r);
        Assert.True(Math.Abs(e - r) < 0.5, $"test ELBO {e} at float32, {r} rounded");
        string quantized = Path.Combine(Out, "int8.json");
        (code, output, error) = Run([.. common, "--out", quantized, "--precision", "int8"]);
        Assert.True(code == 0, error);
        Assert.Contains("int8", output);
        using var q = JsonDocument.Parse(File.ReadAllText(quantized));
        Assert.Equal("int8", q.RootElement.GetProperty("precision").GetString());
        double i8 = q.RootElement.GetProperty("test_elbo").GetDouble();
        Assert.NotEqual(e, i8);
        Assert.True(Math.Abs(e - i8) < 0.5, $"test ELBO {e} at float32, {i8} with int8");

        foreach (string[] args in new string[][]
        {
            [.. common, "--out", Path.Combine(Out, "half.json"), "--precision", "half"],
            ["sample", "--model", model, "--out", Path.Combine(Out, "half.png"), "--precision", "int4"],
        })
        {
            var (bad, _, message) = Run(args);
            Assert.Equal(2, bad);
            Assert.Contains("--precision", message);
            Assert.Contains("bfloat16", message);
            Assert.Contains("int8", message);
        }
        Assert.False(File.Exists(Path.Combine(Out, "half.json")));
        Assert.False(File.Exists(Path.Combine(Out, "half.png")));
    }

    [Fact]
    public void The_judge_is_cached_in_the_project_of_a_data_folder_and_otherwise_in_the_current_directory()
    {
        var train = Dataset.LoadMnist(Data.Directory).Train;
        string name = $"mlp-{ClassifierCache.Fingerprint(train)}.safetensors";
        string project = Path.Combine(Out, "project");
        Assert.Equal(Path.Combine(project, "runs", "classifiers", name), ClassifierCache.DefaultPath(Path.Combine(project, "data", "mnist"), train));
        Assert.Equal(Path.Combine(project, "runs", "classifiers", name), ClassifierCache.DefaultPath(Path.Combine(project, "data", "mnist") + "/", train));
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "runs", "classifiers", name), ClassifierCache.DefaultPath(Data.Directory, train));
    }

    [Fact]
    public void A_damaged_judge_is_reported_by_name_and_left_as_it_was()
    {
        string model = TrainSmall();
        string classifier = Path.Combine(Out, "judge.safetensors");
        File.WriteAllBytes(classifier, [1, 2, 3]);
        var (code, _, error) = Run("evaluate", "--model", model, "--data", Data.Directory, "--classifier", classifier, "--samples", "50");
        Assert.Equal(2, code);
        Assert.Contains("judge.safetensors", error);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(classifier));
        Assert.False(File.Exists(Path.Combine(model, "evaluation.json")));
    }

    [Fact]
    public void Interpolate_traverse_and_latent_draw_their_pictures_and_refuse_bad_indices()
    {
        string vae = TrainSmall();
        string picture = Path.Combine(Out, "pictures");
        Assert.Equal(0, Run("interpolate", "--model", vae, "--data", Data.Directory, "--from", "3", "--to", "9", "--steps", "6", "--out", Path.Combine(picture, "line.png")).Code);
        Assert.Equal(0, Run("traverse", "--model", vae, "--data", Data.Directory, "--steps", "7", "--out", Path.Combine(picture, "walk.png")).Code);
        var (line, walk) = (PngSize(Path.Combine(picture, "line.png")), PngSize(Path.Combine(picture, "walk.png")));
        Assert.True(line.Width > 7 * line.Height, $"interpolation {line}: expected one row of 8 images");
        Assert.True(walk.Width > 3 * walk.Height, $"traversal {walk}: expected 2 rows of 7 images");
        var (code, output, error) = Run("latent", "--model", vae, "--data", Data.Directory, "--out", picture);
        Assert.True(code == 0, error);
        foreach (var f in new[] { "latent-histograms.png", "latent-map.png", "latent-grid.png" })
        {
            Assert.Contains(f, output);
            PngSize(Path.Combine(picture, f));
        }
        string ae = TrainSmall("ae", 3);
        Assert.Equal(0, Run("latent", "--model", ae, "--data", Data.Directory, "--out", Path.Combine(Out, "ae-pictures")).Code);
        Assert.False(File.Exists(Path.Combine(Out, "ae-pictures", "latent-map.png")), "a 3-D latent space has no 2-D map");

        var bad = Run("interpolate", "--model", vae, "--data", Data.Directory, "--from", "64", "--out", Path.Combine(picture, "x.png"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("--from: 64 is not a test image index (0 to 63)", bad.Err);
        Assert.Contains("--steps", Run("traverse", "--model", vae, "--data", Data.Directory, "--steps", "1", "--out", Path.Combine(picture, "x.png")).Err);
        Assert.False(File.Exists(Path.Combine(picture, "x.png")));
    }

    [Fact]
    public void An_out_that_names_a_file_of_another_kind_is_refused_before_any_work_and_left_as_it_was()
    {
        string model = TrainSmall();
        var files = new[] { "model.safetensors", "config.json", "metrics.json" }.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(model, f)));
        string Own(string file) => Path.Combine(model, file);
        string[][] attempts =
        [
            ["sample", "--model", model, "--out", Own("model.safetensors")],
            ["reconstruct", "--model", model, "--data", Data.Directory, "--out", Own("metrics.json")],
            ["interpolate", "--model", model, "--data", Data.Directory, "--out", Own("config.json")],
            ["traverse", "--model", model, "--data", Data.Directory, "--out", Own("model.safetensors")],
            ["evaluate", "--model", model, "--data", Data.Directory, "--no-sample-quality", "--iw-samples", "0", "--out", Own("config.json")],
            ["latent", "--model", model, "--data", Data.Directory, "--out", Own("config.json")],
            ["sample", "--model", model, "--out", model],
            ["sample", "--model", model, "--out", Path.Combine(Own("config.json"), "x.png")],
            ["train", "--data", Data.Directory, "--out", Own("config.json"), "--hidden", "16", "--epochs", "1", "--quiet"],
            ["experiment", "lecture", "--data", Data.Directory, "--out", Path.Combine(Own("metrics.json"), "lecture"), "--quick"],
        ];
        foreach (var args in attempts)
        {
            var (code, _, error) = Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}");
            Assert.Contains("--out", error);
            Assert.DoesNotContain("   at ", error);
        }
        foreach (var (file, bytes) in files) Assert.Equal(bytes, File.ReadAllBytes(Own(file)));

        // The same kind is replaced: running a command again refreshes its output.
        string picture = Path.Combine(Out, "s.png");
        Assert.Equal(0, Run("sample", "--model", model, "--n", "4", "--out", picture).Code);
        Assert.Equal(0, Run("sample", "--model", model, "--n", "9", "--out", picture).Code);
        Assert.Equal(0, Run("evaluate", "--model", model, "--data", Data.Directory, "--no-sample-quality", "--iw-samples", "0").Code);
        Assert.Equal(0, Run("evaluate", "--model", model, "--data", Data.Directory, "--no-sample-quality", "--iw-samples", "0", "--seed", "2").Code);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("linear")]
    public void The_quick_lecture_experiment_writes_every_figure_a_report_with_a_verdict_per_claim_and_keeps_an_existing_report(string variant)
    {
        string dir = Path.Combine(Out, "lecture-" + variant);
        var (code, output, error) = Run("experiment", "lecture", "--quick", "--out", dir, "--threads", "2", "--variant", variant, "--quiet");
        Assert.True(code == 0, error + output);
        Assert.Equal("", output);   // --quiet
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json"))))
        {
            var models = json.RootElement.GetProperty("models");
            string[] names = ["ae-2", "ae-10", "vae-2", "vae-10", "vae-10-kl-only", "vae-10-recon-only", "vae-2-kl-only", "vae-2-recon-only"];
            Assert.Equal(names, models.EnumerateObject().Select(p => p.Name).ToArray());
            // Every VAE reports the same keys, the two new dimension-2 ablation models included.
            var vaeKeys = models.GetProperty("vae-2").EnumerateObject().Select(p => p.Name).ToArray();
            foreach (string name in names.Where(n => n.StartsWith("vae")))
                Assert.Equal(vaeKeys, models.GetProperty(name).EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Contains("sampled_latent_ks", vaeKeys);
            Assert.Contains("sample_pairwise_distance", vaeKeys);
            Assert.Equal(variant, json.RootElement.GetProperty("experiment").GetProperty("variant").GetString());
            Assert.Contains(variant == "linear" ? "no hidden nonlinearity" : "ReLU", json.RootElement.GetProperty("experiment").GetProperty("architecture").GetString());
            foreach (string name in names)
            {
                var m = models.GetProperty(name);
                foreach (var field in new[] { "test_recon_mse", "fid", "latent_mean_abs", "latent_std", "latent_skew", "latent_kurtosis", "aggregate_kl" })
                    Assert.True(m.TryGetProperty(field, out var v) && (v.ValueKind == JsonValueKind.Number || field == "aggregate_kl"), $"{name}.{field}");
                Assert.Equal(name.StartsWith("vae"), m.TryGetProperty("test_elbo", out _));
                string model = Path.Combine(dir, "models", name);
                foreach (var f in new[] { "model.safetensors", "samples.png", "reconstructions.png", "latent-histograms.png", "traversal.png", "interpolation.png", "evaluation.json" })
                    Assert.True(File.Exists(Path.Combine(model, f)), $"{name}/{f} missing");
                Assert.Equal(name.Split('-')[1] == "2", File.Exists(Path.Combine(model, "latent-map.png")));
            }
            var claims = json.RootElement.GetProperty("claims");
            Assert.Equal(11, claims.GetArrayLength());
            Assert.Equal(["ablation-2d-mse-kl", "ablation-2d-kl-only", "ablation-2d-mse-only"],
                claims.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).Where(id => id.StartsWith("ablation")).ToArray());
            Assert.All(claims.EnumerateArray(), c => Assert.False(string.IsNullOrEmpty(c.GetProperty("verdict").GetString())));
            Assert.True(json.RootElement.GetProperty("experiment").GetProperty("quick").GetBoolean());
        }
        string report = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("--quick run", report);
        Assert.Contains("| vae-10-kl-only |", report);
        foreach (var f in new[] { "samples-by-model.png", "reconstructions-by-model.png", "ablation-2d.png", "ablation-2d-samples.png" }) PngSize(Path.Combine(dir, "figures", f));
        var (panelsWidth, panelsHeight) = PngSize(Path.Combine(dir, "figures", "ablation-2d.png"));
        Assert.True(panelsWidth > 2.5 * panelsHeight, $"ablation-2d.png is {panelsWidth}×{panelsHeight}: expected three panels side by side");

        // A second run without --force must not touch the first one's report.
        byte[] before = File.ReadAllBytes(Path.Combine(dir, "report.json"));
        var again = Run("experiment", "lecture", "--quick", "--out", dir);
        Assert.Equal(2, again.Code);
        Assert.Contains("--force", again.Err);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "report.json")));
    }
}
