using System.Diagnostics;
using System.Text.Json;
using Vae.Simd.Serialization;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Cli;

/// <summary>The command line as a hostile user meets it: nothing lost, nothing mixed, one line per problem, no stack trace.</summary>
public class HostileCliTests : CliFixture
{
    private string TrainSmall(string name, params string[] extra)
    {
        string dir = Path.Combine(Out, name);
        var (code, output, error) = Run(["train", "--data", Data.Directory, "--epochs", "1", "--hidden", "16", "--latent", "2", "--out", dir, "--quiet", .. extra]);
        Assert.True(code == 0, error + output);
        return dir;
    }

    private static void OneLine((int Code, string Out, string Err) result, int code, string contains)
    {
        Assert.Equal(code, result.Code);
        Assert.Contains(contains, result.Err);
        Assert.DoesNotContain("   at ", result.Err);
        Assert.Single(result.Err.Trim().Split('\n'));
    }

    [Fact]
    public void A_run_folder_is_never_mixed_nor_replaced_without_force()
    {
        string dir = Path.Combine(Out, "mine");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), "{\"mine\": true}");
        File.WriteAllText(Path.Combine(dir, "samples.png"), "not yours");
        OneLine(Run("train", "--data", Data.Directory, "--epochs", "1", "--out", dir, "--quiet"), 2, "--force");
        Assert.Equal("{\"mine\": true}", File.ReadAllText(Path.Combine(dir, "config.json")));
        Assert.Equal("not yours", File.ReadAllText(Path.Combine(dir, "samples.png")));

        // --force replaces the earlier run as a whole: a stale evaluation.json does not survive beside the new model.
        string run = TrainSmall("run");
        File.WriteAllText(Path.Combine(run, "evaluation.json"), "{}");
        File.WriteAllBytes(Path.Combine(run, ".model.safetensors.123.abc.tmp"), new byte[100]);   // debris of a killed save
        Assert.Equal(0, Run("train", "--data", Data.Directory, "--epochs", "1", "--hidden", "8", "--latent", "3", "--out", run, "--force", "--quiet").Code);
        Assert.False(File.Exists(Path.Combine(run, "evaluation.json")));
        Assert.Empty(Directory.GetFiles(run, ".*.tmp"));
        using var model = LatentModel.Load(run);
        Assert.Equal(3, model.Latent);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Equal(3, config.RootElement.GetProperty("model").GetProperty("latent").GetInt32());
    }

    [Fact]
    public void Force_keeps_the_earlier_run_when_training_would_refuse_its_options()
    {
        string run = TrainSmall("kept");
        byte[] model = File.ReadAllBytes(Path.Combine(run, "model.safetensors"));
        string[] common = ["train", "--data", Data.Directory, "--epochs", "1", "--hidden", "16", "--latent", "2", "--out", run, "--force", "--quiet"];
        OneLine(Run([.. common, "--k", "5001"]), 2, "draws per row");
        OneLine(Run([.. common, "--objective", "iwae", "--model", "ae"]), 2, "needs a VAE");
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(run, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")));
    }

    [Fact]
    public void The_lecture_experiment_checks_its_inputs_before_force_removes_anything()
    {
        string dir = Path.Combine(Out, "lecture");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "report.json"), "{\"earlier\": true}");
        OneLine(Run("experiment", "lecture", "--quick", "--data", Path.Combine(Out, "nowhere"), "--out", dir, "--force", "--quiet"), 2, "nowhere");
        Assert.Equal("{\"earlier\": true}", File.ReadAllText(Path.Combine(dir, "report.json")));
        OneLine(Run("experiment", "lecture", "--quick", "--data", Data.Directory, "--out", dir, "--threads", "100000", "--quiet"), 2, "--threads");
        Assert.Equal("{\"earlier\": true}", File.ReadAllText(Path.Combine(dir, "report.json")));
    }

    [Fact]
    public void Import_with_force_replaces_a_whole_run_not_two_of_its_files()
    {
        string run = TrainSmall("imported");
        string weights = Path.Combine(Out, "weights.safetensors");
        File.Copy(Path.Combine(run, "model.safetensors"), weights);
        var refused = Run("import", "--weights", weights, "--input", "64", "--hidden", "16", "--latent", "2", "--out", run);
        Assert.True(refused.Err.Contains("--force"), refused.Err);
        OneLine(refused, 2, "--force");
        var (code, _, err) = Run("import", "--weights", weights, "--input", "64", "--hidden", "16", "--latent", "2", "--out", run, "--force");
        Assert.True(code == 0, err);
        // The checkpoint and metrics of the trained run would resume or report a model that is no longer there.
        Assert.False(File.Exists(Path.Combine(run, "checkpoint.safetensors")));
        Assert.False(File.Exists(Path.Combine(run, "metrics.json")));
        using var model = LatentModel.Load(run);
        Assert.Equal(2, model.Latent);
    }

    [Fact]
    public void Codes_of_another_latent_size_are_refused_and_pictures_go_into_new_folders()
    {
        string two = TrainSmall("two");
        string three = Path.Combine(Out, "three");
        Assert.Equal(0, Run("train", "--data", Data.Directory, "--epochs", "1", "--hidden", "16", "--latent", "3", "--limit", "500", "--out", three, "--quiet").Code);
        string codes = Path.Combine(Out, "codes3.csv");
        var (code, _, err) = Run("encode", "--model", three, "--data", Data.Directory, "--out", codes);
        Assert.True(code == 0, err);
        OneLine(Run("decode", "--model", two, "--codes", codes, "--out", Path.Combine(Out, "d.csv")), 2, "3 mu_ columns but the model's latent dimension is 2");
        string twoCodes = Path.Combine(Out, "codes2.csv");
        Assert.Equal(0, Run("encode", "--model", two, "--data", Data.Directory, "--out", twoCodes).Code);
        string picture = Path.Combine(Out, "new", "deeper", "d.png");
        (code, _, err) = Run("decode", "--model", two, "--codes", twoCodes, "--out", picture);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(picture));
    }

    [Fact]
    public void Resume_refuses_options_it_would_ignore_and_a_smaller_epoch_count_rewrites_nothing()
    {
        string run = Path.Combine(Out, "resumable");
        Assert.Equal(0, Run("train", "--data", Data.Directory, "--epochs", "2", "--hidden", "16", "--latent", "2", "--limit", "500", "--out", run, "--quiet").Code);
        string config = File.ReadAllText(Path.Combine(run, "config.json"));
        OneLine(Run("train", "--resume", run, "--lr", "5", "--out", Path.Combine(Out, "elsewhere"), "--quiet"), 2, "--lr, --out cannot be changed");
        Assert.False(Directory.Exists(Path.Combine(Out, "elsewhere")));
        var (code, _, err) = Run("train", "--resume", run, "--epochs", "1");
        Assert.True(code == 0, err);
        var again = Run("train", "--resume", run, "--epochs", "1", "--quiet");
        Assert.Equal(0, again.Code);
        Assert.Equal(config, File.ReadAllText(Path.Combine(run, "config.json")));
    }

    [Fact]
    public void A_second_run_on_a_folder_in_use_is_refused()
    {
        string dir = Path.Combine(Out, "busy");
        Directory.CreateDirectory(dir);
        // The lock a running 'vae train' holds.
        using var held = new FileStream(Path.Combine(dir, ".vae.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        OneLine(Run("train", "--data", Data.Directory, "--epochs", "1", "--out", dir, "--quiet"), 2, "another run is writing");
        Assert.False(File.Exists(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public void Absurd_sizes_get_one_line_naming_the_limit()
    {
        string run = TrainSmall("sizes");
        OneLine(Run("sample", "--model", run, "--n", "2147483647", "--out", Path.Combine(Out, "s.png")), 2, "10,000");
        OneLine(Run("sample", "--model", run, "--n", "3000000", "--out", Path.Combine(Out, "s.png")), 2, "--n");
        OneLine(Run("interpolate", "--model", run, "--data", Data.Directory, "--steps", "2147483647", "--out", Path.Combine(Out, "i.png")), 2, "--steps");
        OneLine(Run("evaluate", "--model", run, "--data", Data.Directory, "--samples", "2000000000"), 2, "--samples");
        OneLine(Run("evaluate", "--model", run, "--data", Data.Directory, "--iw-samples", "2000000000"), 2, "--iw-samples");
        OneLine(Run("train", "--data", Data.Directory, "--hidden", "", "--out", Path.Combine(Out, "h")), 2, "--hidden");
        OneLine(Run("train", "--data", Data.Directory, "--threads", "100000", "--out", Path.Combine(Out, "t")), 2, "--threads");
        OneLine(Run("train", "--data", Data.Directory, "--latent", "1000000", "--out", Path.Combine(Out, "l")), 2, "parameters");
        var batch = Run("train", "--data", Data.Directory, "--batch-size", "1000000000", "--epochs", "1", "--hidden", "8", "--latent", "2", "--out", Path.Combine(Out, "b"), "--quiet");
        Assert.True(batch.Code == 0, batch.Err);   // the batch is capped at the data's size
        OneLine(Run("evaluate", "--model", run, "--data", Data.Directory, "--classifier", "/nonexistent/dir/c.safetensors"), 2, "--classifier");
        Assert.False(Directory.Exists("/nonexistent/dir"));
    }

    [Theory]
    [InlineData("{\"model\":\"vae\",\"input\":64,\"hidden\":[1000000000],\"latent\":2,\"activation\":\"relu\",\"likelihood\":\"bernoulli\"}", "parameters")]
    [InlineData("{\"model\":\"vae\",\"input\":64,\"hidden\":[100000,100000,100000],\"latent\":2,\"activation\":\"relu\",\"likelihood\":\"bernoulli\"}", "parameters")]
    [InlineData("{\"model\":\"vae\",\"input\":2147483647,\"hidden\":[16],\"latent\":2,\"activation\":\"relu\",\"likelihood\":\"bernoulli\"}", "parameters")]
    [InlineData("{\"model\":\"vae\",\"input\":64,\"hidden\":[16],\"latent\":100000000,\"activation\":\"relu\",\"likelihood\":\"bernoulli\"}", "parameters")]
    [InlineData("{\"model\":\"vae\",\"input\":64,\"hidden\":[16],\"latent\":2,\"activation\":\"2\",\"likelihood\":\"bernoulli\"}", "ActivationKind")]
    [InlineData("{\"model\":\"vae\",\"input\":64,\"hidden\":[16],\"latent\":2,\"activation\":\"relu\",\"likelihood\":\"bernoulli\",\"image_height\":-8,\"image_width\":-8}", "image shape")]
    public void Crafted_checkpoint_metadata_gets_one_line_and_no_allocation_of_the_claimed_model(string config, string contains)
    {
        string run = TrainSmall("crafted-" + Guid.NewGuid().ToString("N")[..6]);
        string path = Path.Combine(run, "model.safetensors");
        var (tensors, metadata) = SafeTensors.Read(path);
        var crafted = metadata.ToDictionary(p => p.Key, p => p.Value);
        crafted["config"] = config;
        SafeTensors.Write(path, tensors, crafted);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        OneLine(Run("sample", "--model", run, "--out", Path.Combine(Out, "x.png")), 2, contains);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 256L << 20, "the claimed model was allocated");
    }

    [Fact]
    public void A_tensor_shape_past_any_array_and_weights_scaled_to_garbage_are_refused()
    {
        string run = TrainSmall("scaled");
        string path = Path.Combine(run, "model.safetensors");
        var (tensors, metadata) = SafeTensors.Read(path);
        SafeTensors.Write(path, tensors.Select(t => t with { Data = t.Data.Select(v => v * 1e6f).ToArray() }).ToList(), metadata);
        OneLine(Run("sample", "--model", run, "--out", Path.Combine(Out, "garbage.png")), 2, "corrupt or was scaled");
        Assert.False(File.Exists(Path.Combine(Out, "garbage.png")));

        // A header whose shape multiplies past int: [2147483647, 2147483647, 2147483647].
        var bytes = File.ReadAllBytes(path);
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        string huge = System.Text.RegularExpressions.Regex.Replace(header, @"""shape"":\[\d+,\d+\]", @"""shape"":[2147483647,2147483647,2147483647]", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        var rewritten = System.Text.Encoding.UTF8.GetBytes(huge);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)rewritten.Length), .. rewritten, .. bytes.AsSpan(8 + (int)headerLength)]);
        OneLine(Run("sample", "--model", run, "--out", Path.Combine(Out, "y.png")), 2, "more elements than an array holds");
    }

    [Fact]
    public void One_pixel_images_train_and_evaluate()
    {
        using var tiny = new SyntheticData(train: 120, test: 40, side: 1);
        string dir = Path.Combine(Out, "one-pixel");
        Assert.Equal(0, Run("train", "--data", tiny.Directory, "--epochs", "1", "--hidden", "4", "--latent", "2", "--out", dir, "--quiet").Code);
        var (code, output, error) = Run("evaluate", "--model", dir, "--data", tiny.Directory, "--iw-samples", "10", "--samples", "100",
            "--classifier", Path.Combine(Out, "tiny-judge.safetensors"));
        Assert.True(code == 0, error + output);
    }

    // ------------------------------------------------------------------ real processes: kills and signals

    private static Process StartVae(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // A suite started in the background by a non-interactive shell inherits SIGINT as ignored, and so would the
        // child: the runtime keeps an inherited SIG_IGN, and the SIGINT test would see a run that never heard it.
        // coreutils' env restores the default disposition first where it can.
        if (File.Exists("/usr/bin/env") && EnvCanResetSignals.Value)
        {
            info.FileName = "/usr/bin/env";
            info.ArgumentList.Add("--default-signal=INT");
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vae.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    private static readonly Lazy<bool> EnvCanResetSignals = new(() =>
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("/usr/bin/env", ["--default-signal=INT", "true"]) { RedirectStandardError = true, UseShellExecute = false })!;
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    });

    private string[] Training(string dir) => ["train", "--data", Data.Directory, "--epochs", "300", "--hidden", "32", "--latent", "2", "--out", dir, "--quiet", "--threads", "2", "--eval-every", "50"];

    [Fact]
    public void Killed_at_random_moments_a_run_folder_always_loads_and_resumes_to_the_uninterrupted_result()
    {
        if (!OperatingSystem.IsLinux()) return;
        string reference = Path.Combine(Out, "uninterrupted");
        var clock = Stopwatch.StartNew();
        using (var p = StartVae(Training(reference))) { p.WaitForExit(); Assert.Equal(0, p.ExitCode); }
        // Kills fall within the uninterrupted run's own duration: a fixed 1–3.5 s outlasted the whole run on a Zen 5, and
        // most kills then hit a finished run.
        int runMs = (int)clock.ElapsedMilliseconds;
        var random = new Random(7);
        int interrupted = 0;
        for (int trial = 0; trial < 6; trial++)
        {
            string dir = Path.Combine(Out, $"killed-{trial}");
            using (var p = StartVae(Training(dir)))
            {
                Thread.Sleep(random.Next(runMs / 4, runMs * 17 / 20));
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
            if (!File.Exists(Path.Combine(dir, "checkpoint.safetensors"))) continue;   // killed before the first epoch ended
            using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json"))))
                if (!metrics.RootElement.GetProperty("finished").GetBoolean()) interrupted++;
            using (var checkpoint = LatentModel.Load(Path.Combine(dir, "checkpoint.safetensors"))) Assert.True(checkpoint.EpochsTrained >= 1);
            if (File.Exists(Path.Combine(dir, "model.safetensors"))) LatentModel.Load(dir).Dispose();
            var resumed = Run("train", "--resume", dir, "--quiet");
            Assert.True(resumed.Code == 0, resumed.Err);
            Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "checkpoint.safetensors")), File.ReadAllBytes(Path.Combine(dir, "checkpoint.safetensors")));
            Assert.Empty(Directory.GetFiles(dir, ".*.tmp*"));
        }
        Assert.True(interrupted >= 2, $"only {interrupted} of 6 kills landed in the middle of a run: the loop would prove little");
    }

    [Fact]
    public void SIGINT_stops_a_run_with_one_line_and_exit_code_130_and_the_run_resumes()
    {
        if (!OperatingSystem.IsLinux()) return;
        string dir = Path.Combine(Out, "interrupted");
        using var p = StartVae(Training(dir));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Path.Combine(dir, "checkpoint.safetensors")) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        Assert.True(p.WaitForExit(30_000), "the run did not stop on SIGINT");
        string error = p.StandardError.ReadToEnd();
        Assert.Equal(130, p.ExitCode);
        Assert.Contains("--resume", error);
        Assert.Single(error.Trim().Split('\n'));
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json"))))
            Assert.False(metrics.RootElement.GetProperty("finished").GetBoolean());
        var resumed = Run("train", "--resume", dir, "--epochs", "3", "--quiet");
        Assert.True(resumed.Code == 0, resumed.Err);
    }
}
