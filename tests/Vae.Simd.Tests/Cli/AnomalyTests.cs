using System.Globalization;
using System.Text.Json;
using Vae.Cli.Anomaly;
using Vae.Simd.Common;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Cli;

/// <summary>The anomaly experiment's parts — ROC AUC, the PCA baseline — against exact answers, and the experiment end to end.</summary>
public class AnomalyTests : CliFixture
{
    [Fact]
    public void Roc_auc_is_the_chance_an_anomaly_outscores_a_normal_row_with_ties_counting_half()
    {
        Assert.Equal(1.0, RocAuc.Compute([1, 2, 3], [4, 5]));
        Assert.Equal(0.0, RocAuc.Compute([4, 5], [1, 2, 3]));
        Assert.Equal(0.5, RocAuc.Compute([1, 1], [1, 1, 1]));
        // Pairs (normal, anomaly): (1,2) win, (1,0) loss, (3,2) loss, (3,0) loss, plus a tie (2,2) = ½ → 1.5 of 6.
        Assert.Equal(1.5 / 6, RocAuc.Compute([1, 3, 2], [2, 0]), 12);
        // Against the O(n²) definition on random scores.
        var random = new SeededRandom(2);
        var normal = Enumerable.Range(0, 57).Select(_ => Math.Round(random.NextDouble() * 10)).ToArray();
        var anomalous = Enumerable.Range(0, 31).Select(_ => Math.Round(random.NextDouble() * 12)).ToArray();
        double pairs = anomalous.Sum(a => normal.Sum(n => a > n ? 1 : a == n ? 0.5 : 0)) / (normal.Length * anomalous.Length);
        Assert.Equal(pairs, RocAuc.Compute(normal, anomalous), 12);
    }

    [Fact]
    public void Pca_reconstructs_rows_in_its_subspace_exactly_and_measures_the_distance_of_the_rest()
    {
        // Rows on the plane spanned by (1, 1, 0) and (0, 0, 1), around (5, 5, 5).
        var random = new SeededRandom(3);
        var values = new List<float>();
        for (int i = 0; i < 200; i++)
        {
            float a = random.NextUniform(-3, 3), b = random.NextUniform(-1, 1);
            values.AddRange([5 + a, 5 + a, 5 + b]);
        }
        var pca = PcaBaseline.Fit(Dataset.FromArray(values.ToArray(), 3), 2);
        Approx.Equal(1, pca.ExplainedVariance, 1e-6, "explained variance");
        var errors = pca.ReconstructionError(Dataset.FromArray([7, 7, 4.5f, 6, 4, 5], 3));
        Approx.Equal(0, errors[0], 1e-8, "a row in the plane");
        Approx.Equal(2, errors[1], 1e-6, "(1, −1, 0) off the plane: squared distance 2");
        Assert.Contains("1 to 2", Assert.Throws<Vae.Cli.CliError>(() => PcaBaseline.Fit(Dataset.FromArray(values.ToArray(), 3), 3)).Message);
    }

    [Fact]
    public void The_experiment_trains_scores_and_reports_aucs_for_the_vae_and_both_pca_baselines()
    {
        // Normal rows: 6 features driven by 2 factors; anomalies break one relation.
        var random = new SeededRandom(4);
        double G() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        string Row(bool anomaly, string label)
        {
            double a = G(), b = G();
            double[] x = [a, b, a + b, a - b, 2 * a, (anomaly ? -1 : 1) * (a + 2 * b)];
            return string.Join(",", x.Select(v => (10 * v + 0.05 * G() + 50).ToString("F4", CultureInfo.InvariantCulture))) + "," + label;
        }
        Directory.CreateDirectory(Out);
        string header = "f0,f1,f2,f3,f4,f5,kind";
        string normal = Path.Combine(Out, "normal.csv"), test = Path.Combine(Out, "test.csv");
        File.WriteAllLines(normal, [header, .. Enumerable.Range(0, 400).Select(_ => Row(false, "ok"))]);
        File.WriteAllLines(test, [header, .. Enumerable.Range(0, 120).Select(i => Row(i % 3 == 0, i % 3 == 0 ? "odd" : "ok"))]);
        string output = Path.Combine(Out, "anomaly");
        var (code, _, err) = Run("experiment", "anomaly", "--data", normal, "--test", test, "--label-column", "kind", "--anomaly-label", "odd",
            "--epochs", "80", "--lr", "0.01", "--iw-samples", "50", "--threads", "1", "--out", output, "--quiet");
        Assert.True(code == 0, err);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report.json")));
        var aucs = report.RootElement.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("roc_auc").GetDouble()).ToArray();
        Assert.Equal(4, aucs.Length);
        Assert.True(aucs[0] > 0.9, $"VAE −log p(x) AUC {aucs[0]}");
        Assert.Equal(40, report.RootElement.GetProperty("anomalies").GetInt32());
        Assert.True(File.Exists(Path.Combine(output, "figures", "scores.png")));
        Assert.Contains("ROC AUC", File.ReadAllText(Path.Combine(output, "report.md")));
        Assert.Equal(121, File.ReadAllLines(Path.Combine(output, "scores.csv")).Length);

        // A label that marks no row is refused by name, and an earlier report is not replaced without --force.
        var (bad, _, badErr) = Run("experiment", "anomaly", "--data", normal, "--test", test, "--label-column", "kind", "--anomaly-label", "missing",
            "--epochs", "1", "--out", Path.Combine(Out, "other"), "--quiet");
        Assert.Equal(2, bad);
        Assert.Contains("'missing' marks 0 of the 120 test rows", badErr);
        var (again, _, againErr) = Run("experiment", "anomaly", "--data", normal, "--test", test, "--label-column", "kind", "--anomaly-label", "odd",
            "--epochs", "1", "--out", output, "--quiet");
        Assert.Equal(2, again);
        Assert.Contains("--force", againErr);

        // Even with --force, a test file that is refused costs the earlier experiment nothing.
        byte[] reportBefore = File.ReadAllBytes(Path.Combine(output, "report.json"));
        byte[] modelBefore = File.ReadAllBytes(Path.Combine(output, "vae", "model.safetensors"));
        string badTest = Path.Combine(Out, "bad-test.csv");
        File.WriteAllLines(badTest, [header, "1,2,oops,4,5,6,odd", "1,2,3,4,5,6,ok"]);
        var (refused, _, refusedErr) = Run("experiment", "anomaly", "--data", normal, "--test", badTest, "--label-column", "kind", "--anomaly-label", "odd",
            "--epochs", "1", "--out", output, "--force", "--quiet");
        Assert.Equal(2, refused);
        Assert.Contains("'oops' is not a number", refusedErr);
        Assert.Equal(reportBefore, File.ReadAllBytes(Path.Combine(output, "report.json")));

        // Without its reports, the folder's vae/ run is still an earlier run: replaced only with --force, as `vae train` says.
        foreach (var f in new[] { "report.json", "report.md", "scores.csv" }) File.Delete(Path.Combine(output, f));
        var (kept, _, keptErr) = Run("experiment", "anomaly", "--data", normal, "--test", test, "--label-column", "kind", "--anomaly-label", "odd",
            "--epochs", "1", "--out", output, "--quiet");
        Assert.Equal(2, kept);
        Assert.Contains("--force", keptErr);
        Assert.Equal(modelBefore, File.ReadAllBytes(Path.Combine(output, "vae", "model.safetensors")));
    }
}
