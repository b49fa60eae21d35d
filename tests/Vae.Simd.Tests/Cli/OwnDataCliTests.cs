using System.Globalization;
using SkiaSharp;
using Vae.Simd.Common;
using Vae.Simd.Data;
using Vae.Simd.Tests.Support;

namespace Vae.Simd.Tests.Cli;

/// <summary>Your own data through the command line: a CSV table, a .npy array and a folder of PNGs each train, encode, decode and
/// score end to end; and every bad input is one line that names the file, row and column, with nothing written.</summary>
public class OwnDataCliTests : CliFixture
{
    private string Folder(string name)
    {
        string dir = Path.Combine(Out, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Rows driven by two latent factors, in units far from [0, 1] (offsets of 100, spreads of 10), with a text label.</summary>
    private string Table(string name, int rows, int seed = 1, bool anomalies = false, string header = "temp,pressure,flow,noise,kind")
    {
        var random = new SeededRandom((ulong)seed);
        var lines = new List<string> { header };
        for (int i = 0; i < rows; i++)
        {
            double a = Gaussian(random), b = Gaussian(random);
            bool odd = anomalies && i % 2 == 1;
            // An anomaly breaks the relation between the columns, not their ranges: its flow has the sign flipped.
            double flow = (odd ? -1 : 1) * (8 * a - 4 * b);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{100 + 10 * a:F3},{-5 * b + 1000:F3},{flow:F3},{0.1 * Gaussian(random):F4},{(odd ? "bad" : i % 3 == 0 ? "x" : "y")}"));
        }
        string path = Path.Combine(Folder("tables"), name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static double Gaussian(SeededRandom random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>vae train with small defaults; <paramref name="more"/> holds option–value pairs that add to or replace them.</summary>
    private static string[] Train(string data, string output, params string[] more)
    {
        var options = new Dictionary<string, string> { ["--hidden"] = "16", ["--latent"] = "2", ["--epochs"] = "4", ["--batch-size"] = "32", ["--threads"] = "1" };
        for (int i = 0; i < more.Length; i += 2) options[more[i]] = more[i + 1];
        return ["train", "--data", data, "--out", output, "--quiet", .. options.SelectMany(o => new[] { o.Key, o.Value })];
    }

    [Fact]
    public void A_csv_table_trains_encodes_decodes_and_scores_with_its_columns_and_scaling_kept()
    {
        string data = Table("t.csv", 300);
        string run = Path.Combine(Out, "run");
        var (code, _, err) = Run(Train(data, run, "--label-column", "kind"));
        Assert.True(code == 0, err);
        // The model was standardized and uses the learned-variance Gaussian; a table gets no pictures.
        using (var model = LatentModel.Load(run))
        {
            Assert.Equal(Likelihood.GaussianLearnedVariance, model.Config.Likelihood);
            Assert.Equal(ScalingKind.Standardize, model.Scaling!.Kind);
            Assert.InRange(model.Scaling.Offsets[1], 990, 1010);
        }
        Assert.False(File.Exists(Path.Combine(run, "samples.png")));

        string codes = Path.Combine(Out, "codes.csv");
        (code, _, err) = Run("encode", "--model", run, "--data", data, "--out", codes, "--log-variance");
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(codes);
        Assert.Equal("row,label,mu_0,mu_1,logvar_0,logvar_1", lines[0]);
        Assert.Equal(301, lines.Length);
        Assert.StartsWith("0,x,", lines[1]);

        string decoded = Path.Combine(Out, "decoded.csv");
        (code, _, err) = Run("decode", "--model", run, "--codes", codes, "--out", decoded);
        Assert.True(code == 0, err);
        var rows = File.ReadAllLines(decoded);
        Assert.Equal("temp,pressure,flow,noise", rows[0]);
        // Decoded in the data's own units: pressure near 1000, not near 0.
        Assert.InRange(double.Parse(rows[1].Split(',')[1], CultureInfo.InvariantCulture), 950, 1050);

        // A table has no pictures to draw.
        Refused(Run("interpolate", "--model", run, "--data", data, "--out", Path.Combine(Out, "i.png")), "not images");
        Refused(Run("traverse", "--model", run, "--data", data, "--out", Path.Combine(Out, "t.png")), "not images");

        // New rows from z ~ N(0, I), in the table's own units and columns.
        string synthetic = Path.Combine(Out, "synthetic.csv");
        (code, _, err) = Run("sample", "--model", run, "--n", "50", "--out", synthetic);
        Assert.True(code == 0, err);
        var sampled = File.ReadAllLines(synthetic);
        Assert.Equal(("temp,pressure,flow,noise", 51), (sampled[0], sampled.Length));
        Assert.InRange(sampled.Skip(1).Average(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)), 980, 1020);
        Refused(Run("sample", "--model", run, "--n", "5", "--out", synthetic), "exists", "--force");

        string scores = Path.Combine(Out, "scores.csv");
        var (scoreCode, stdout, scoreErr) = Run("score", "--model", run, "--data", data, "--out", scores, "--iw-samples", "20", "--threshold-quantile", "0.9");
        Assert.True(scoreCode == 0, scoreErr);
        var scoreLines = File.ReadAllLines(scores);
        Assert.Equal("row,label,negative_elbo,reconstruction,kl,log_likelihood,anomaly", scoreLines[0]);
        Assert.Equal(301, scoreLines.Length);
        int flagged = scoreLines.Skip(1).Count(l => l.EndsWith(",1"));
        Assert.InRange(flagged, 10, 60);   // ≈ 10 % of rows like the training rows
        Assert.Contains("0.9 quantile of 270 training rows", stdout);

        // evaluate reads the table as the run did and applies the model's scaling (a raw pressure of 1000 would score far worse).
        var (evalCode, evalOut, evalErr) = Run("evaluate", "--model", run, "--data", data, "--no-sample-quality", "--threads", "1", "--out", Path.Combine(Out, "e.json"));
        Assert.True(evalCode == 0, evalErr);
        double elbo = double.Parse(System.Text.RegularExpressions.Regex.Match(evalOut, @"test ELBO per image\s+(-?[0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(elbo, -20, 20);
    }

    [Fact]
    public void Rows_that_break_the_columns_relation_score_higher_than_normal_rows()
    {
        string run = Path.Combine(Out, "run");
        var (code, _, err) = Run(Train(Table("normal.csv", 600), run, "--label-column", "kind", "--epochs", "60", "--hidden", "32", "--lr", "0.01"));
        Assert.True(code == 0, err);
        string scores = Path.Combine(Out, "scores.csv");
        (code, _, err) = Run("score", "--model", run, "--data", Table("mixed.csv", 200, seed: 2, anomalies: true), "--out", scores, "--iw-samples", "100");
        Assert.True(code == 0, err);
        // Score −log p(x) (column 6).
        var parsed = File.ReadAllLines(scores).Skip(1).Select(l => l.Split(',')).Select(f => (Bad: f[1] == "bad", Score: -double.Parse(f[5], CultureInfo.InvariantCulture))).ToList();
        double auc = parsed.Where(p => p.Bad).Average(b => parsed.Where(p => !p.Bad).Average(n => b.Score > n.Score ? 1.0 : 0.0));
        Assert.True(auc > 0.8, $"ROC AUC {auc:F3}");
    }

    [Fact]
    public void An_npy_array_trains_and_encodes_to_npy()
    {
        var random = new SeededRandom(3);
        var values = Enumerable.Range(0, 200 * 5).Select(i => (float)(Gaussian(random) * (1 + i % 5) + 50)).ToArray();
        string data = Path.Combine(Folder("npy"), "x.npy");
        using (var file = File.Create(data)) NpyFile.WriteFloat32(file, values, 200, 5);
        string run = Path.Combine(Out, "run");
        var (code, _, err) = Run(Train(data, run, "--test-fraction", "0.25"));
        Assert.True(code == 0, err);
        string codes = Path.Combine(Out, "codes.npy");
        (code, _, err) = Run("encode", "--model", run, "--data", data, "--out", codes);
        Assert.True(code == 0, err);
        var read = Dataset.LoadNpy(codes);
        Assert.Equal((200, 2), (read.Count, read.Features));
        (code, _, err) = Run("score", "--model", run, "--data", data, "--out", Path.Combine(Out, "s.csv"));
        Assert.True(code == 0, err);
        Assert.Equal(201, File.ReadAllLines(Path.Combine(Out, "s.csv")).Length);

        // Unlabelled rows map their 2-D codes in one colour; a table has no pictures to tile over the plane.
        string figures = Path.Combine(Out, "latent");
        (code, _, err) = Run("latent", "--model", run, "--data", data, "--out", figures);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(figures, "latent-map.png")));
        Assert.False(File.Exists(Path.Combine(figures, "latent-grid.png")));
    }

    /// <summary>A float32 .npy of any shape, as NumPy writes it.</summary>
    private static void WriteNpy(string path, float[] values, params int[] shape)
    {
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}), }}";
        int total = 10 + dict.Length + 1;
        string header = dict + new string(' ', (total + 63) / 64 * 64 - total) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8)]);
        file.Write(System.Text.Encoding.ASCII.GetBytes(header));
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    [Fact]
    public void Rgba_images_for_an_rgb_model_lose_their_alpha_not_their_colours()
    {
        var random = new SeededRandom(8);
        var rgb = Enumerable.Range(0, 60 * 8 * 8 * 3).Select(_ => (float)random.NextDouble()).ToArray();
        var rgba = new float[60 * 8 * 8 * 4];
        for (int p = 0; p < 60 * 64; p++)
        {
            rgb.AsSpan(3 * p, 3).CopyTo(rgba.AsSpan(4 * p, 3));
            rgba[4 * p + 3] = 1f;
        }
        string dir = Folder("rgba");
        string rgbPath = Path.Combine(dir, "rgb.npy"), rgbaPath = Path.Combine(dir, "rgba.npy");
        WriteNpy(rgbPath, rgb, 60, 8, 8, 3);
        WriteNpy(rgbaPath, rgba, 60, 8, 8, 4);
        string run = Path.Combine(Out, "run");
        var (code, _, err) = Run(Train(rgbPath, run, "--epochs", "1"));
        Assert.True(code == 0, err);
        string fromRgb = Path.Combine(Out, "rgb.csv"), fromRgba = Path.Combine(Out, "rgba.csv");
        Assert.Equal(0, Run("encode", "--model", run, "--data", rgbPath, "--out", fromRgb).Code);
        (code, _, err) = Run("encode", "--model", run, "--data", rgbaPath, "--out", fromRgba);
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllLines(fromRgb), File.ReadAllLines(fromRgba));
    }

    /// <summary>A folder of 8×8 PNGs in two class subfolders: a bright square top-left or bottom-right.</summary>
    private string Images(string name, int perClass, bool colour = false, int size = 8)
    {
        string root = Folder(name);
        var random = new SeededRandom(5);
        foreach (var (cls, corner) in new[] { ("a", 0), ("b", 1) })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < perClass; i++)
            {
                using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        bool on = corner == 0 ? x < size / 2 && y < size / 2 : x >= size / 2 && y >= size / 2;
                        byte v = (byte)((on ? 200 : 20) + random.NextInt(40));
                        bitmap.SetPixel(x, y, colour ? new SKColor(v, (byte)(255 - v), 0) : new SKColor(v, v, v));
                    }
                using var image = SKImage.FromBitmap(bitmap);
                using var png = image.Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(Path.Combine(root, cls, $"{i:D3}.png"), png.ToArray());
            }
        }
        return root;
    }

    [Fact]
    public void A_png_folder_trains_with_bernoulli_pixels_and_class_labels_and_draws_pictures()
    {
        string data = Images("png", 40);
        string run = Path.Combine(Out, "run");
        var (code, _, err) = Run(Train(data, run));
        Assert.True(code == 0, err);
        using (var model = LatentModel.Load(run))
        {
            Assert.Equal((8, 8, 1), (model.Config.ImageHeight, model.Config.ImageWidth, model.Config.ImageChannels));
            Assert.Equal(Likelihood.Bernoulli, model.Config.Likelihood);
            Assert.Null(model.Scaling);
        }
        Assert.True(File.Exists(Path.Combine(run, "samples.png")));
        string codes = Path.Combine(Out, "codes.csv");
        (code, _, err) = Run("encode", "--model", run, "--data", data, "--out", codes);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(codes);
        Assert.StartsWith("0,a,", lines[1]);
        Assert.StartsWith("79,b,", lines[^1]);
        (code, _, err) = Run("score", "--model", run, "--data", data, "--out", Path.Combine(Out, "s.csv"));
        Assert.True(code == 0, err);
        (code, _, err) = Run("decode", "--model", run, "--codes", codes, "--out", Path.Combine(Out, "d.png"));
        Assert.True(code == 0, err);
        // The picture commands read the folder the same way.
        (code, _, err) = Run("reconstruct", "--model", run, "--data", data, "--n", "8", "--out", Path.Combine(Out, "r.png"));
        Assert.True(code == 0, err);
        (code, _, err) = Run("evaluate", "--model", run, "--data", data, "--samples", "50", "--iw-images", "4", "--iw-samples", "10", "--threads", "1",
            "--out", Path.Combine(Out, "evaluation.json"));
        Assert.True(code == 0, err);
    }

    [Fact]
    public void A_colour_folder_trains_as_three_channels_and_its_pictures_are_rgb()
    {
        string data = Images("rgb", 20, colour: true);
        string run = Path.Combine(Out, "run");
        var (code, _, err) = Run(Train(data, run, "--epochs", "1"));
        Assert.True(code == 0, err);
        using (var model = LatentModel.Load(run)) Assert.Equal((8, 8, 3, 192), (model.Config.ImageHeight, model.Config.ImageWidth, model.Config.ImageChannels, model.InputSize));
        using var picture = SKBitmap.Decode(Path.Combine(run, "samples.png"));
        Assert.NotNull(picture);
        Assert.Equal(8 * 8 + 9, picture.Width);   // 8 images of 8 pixels per line, one-pixel gaps

        // The latent pictures draw the same colour images: 8-pixel tiles whose red and green differ, not grey thirds of them.
        foreach (var command in new[] { "interpolate", "traverse" })
        {
            string path = Path.Combine(Out, command + ".png");
            var (c, _, e) = Run(command, "--model", run, "--data", data, "--out", path);
            Assert.True(c == 0, e);
            using var drawn = SKBitmap.Decode(path);
            Assert.Equal(0, (drawn.Width - 1) % 9);
            Assert.Contains(Enumerable.Range(1, 8), x => drawn.GetPixel(x, 1).Red != drawn.GetPixel(x, 1).Green);
        }
    }

    // ------------------------------------------------------------------ bad input

    private static void Refused((int Code, string Out, string Err) result, params string[] expected)
    {
        Assert.Equal(2, result.Code);
        string line = result.Err.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain("   at ", line);
        foreach (var e in expected) Assert.Contains(e, line);
    }

    [Fact]
    public void Force_keeps_the_earlier_run_when_the_new_data_cannot_be_scaled()
    {
        string run = Path.Combine(Out, "run");
        var (code, _, err) = Run(Train(Table("t.csv", 100), run, "--epochs", "1", "--label-column", "kind"));
        Assert.True(code == 0, err);
        byte[] model = File.ReadAllBytes(Path.Combine(run, "model.safetensors"));
        // ±3e38 in one column: its min-max range is beyond float32, so every scaled value would be infinite.
        string extreme = Path.Combine(Folder("bad"), "extreme.csv");
        File.WriteAllLines(extreme, ["a,b", .. Enumerable.Range(0, 40).Select(i => $"{(i % 2 == 0 ? "3e38" : "-3e38")},{i}")]);
        Refused(Run([.. Train(extreme, run, "--scale", "minmax"), "--force"]), "feature 0 cannot be scaled");
        // Training rows that scale, and a test row that the training rows' scaling carries past float32: -3e38 − 1e38.
        string high = Path.Combine(Folder("bad"), "high.csv"), low = Path.Combine(Folder("bad"), "low.csv");
        File.WriteAllLines(high, ["a,b", .. Enumerable.Range(0, 40).Select(i => $"{(i % 2 == 0 ? "1e38" : "2e38")},{i}")]);
        File.WriteAllLines(low, ["a,b", "-3e38,1", "1e38,2"]);
        Refused(Run([.. Train(high, run, "--scale", "minmax", "--test-data", low), "--force"]), "the test rows after minmax scaling", "row 0, column 0");
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(run, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")));
    }

    [Fact]
    public void A_named_pipe_given_as_a_table_or_among_images_is_refused_instead_of_waiting_for_a_writer()
    {
        if (!OperatingSystem.IsLinux()) return;
        string dir = Folder("pipes");
        string images = Images("pipe-images", 3);
        string csv = Path.Combine(dir, "fifo.csv"), png = Path.Combine(images, "a", "zz.png");
        foreach (var fifo in new[] { csv, png })
            using (var mkfifo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", fifo) { UseShellExecute = false })!) mkfifo.WaitForExit();
        foreach (var (data, named) in new[] { (csv, "fifo.csv"), (images, "zz.png") })
        {
            var run = Task.Run(() => Run(Train(data, Path.Combine(Out, "run"))));
            Assert.True(run.Wait(TimeSpan.FromSeconds(60)), $"reading {named} hung");
            Refused(run.Result, named, "not a regular file");
        }
    }

    [Fact]
    public void Images_resized_beyond_the_memory_the_process_may_use_are_refused_before_allocating()
    {
        // A process limited to 512 MiB: three images resized to 4096 × 4096 need about 1 GiB with their pixel names.
        string images = Images("resize", 2);
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["DOTNET_GCHeapHardLimit"] = "0x20000000";
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vae.dll"));
        foreach (var a in Train(images, Path.Combine(Out, "run"), "--resize", "4096,4096")) info.ArgumentList.Add(a);
        using var vae = System.Diagnostics.Process.Start(info)!;
        string error = vae.StandardError.ReadToEnd();
        vae.WaitForExit();
        Refused((vae.ExitCode, "", error), "images of 4096×4096×1 need about", "--resize H,W");
    }

    [Fact]
    public void A_ragged_row_a_word_an_empty_cell_and_nan_are_refused_with_file_line_and_column()
    {
        string dir = Folder("bad");
        string Write(string name, string text) { string p = Path.Combine(dir, name); File.WriteAllText(p, text); return p; }
        string run = Path.Combine(Out, "run");
        Refused(Run(Train(Write("ragged.csv", "a,b\n1,2\n3\n"), run)), "ragged.csv", "line 3 has 1 fields but the header has 2");
        Refused(Run(Train(Write("word.csv", "a,b\n1,2\n3,abc\n"), run)), "word.csv", "line 3, column 'b' (2)", "not a number");
        Refused(Run(Train(Write("empty.csv", "a,b\n1,2\n,4\n"), run)), "empty.csv", "line 3, column 'a' (1) is empty", "--impute mean");
        Refused(Run(Train(Write("nan.csv", "a,b\n1,2\nNaN,4\n"), run)), "nan.csv", "line 3, column 'a' (1)", "not finite");
        Refused(Run(Train(Write("inf.csv", "a,b\n1,2\n3,-inf\n"), run)), "inf.csv", "line 3, column 'b' (2)", "not finite");
        Assert.False(Directory.Exists(run));
        // With --impute mean the empty cell is the column's mean and training runs.
        string filled = Write("fill.csv", "a,b\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{(i == 5 ? "" : i.ToString(CultureInfo.InvariantCulture))},{i % 7}")) + "\n");
        var (code, _, err) = Run(Train(filled, run, "--impute", "mean", "--epochs", "1"));
        Assert.True(code == 0, err);
    }

    [Fact]
    public void A_model_refuses_data_with_other_columns_or_other_image_sizes()
    {
        string run = Path.Combine(Out, "run");
        Assert.Equal(0, Run(Train(Table("t.csv", 100), run, "--label-column", "kind", "--epochs", "1")).Code);
        string scores = Path.Combine(Out, "s.csv");
        // The run reads new data by its column names: a table without 'flow' is refused by name.
        string other = Table("other.csv", 20, header: "temp,pressure,volume,noise,kind");
        Refused(Run("score", "--model", run, "--data", other, "--out", scores), "other.csv", "no column 'flow'");
        // A bare model file without its run's data.json is matched by width.
        string bare = Path.Combine(Folder("bare"), "m.safetensors");
        File.Copy(Path.Combine(run, "model.safetensors"), bare);
        string narrow = Table("narrow.csv", 20, header: "temp,pressure,flow,noise,kind");
        Refused(Run("score", "--model", bare, "--data", narrow, "--out", scores, "--label-column", "kind", "--columns", "temp,pressure,flow"),
            "narrow.csv", "3 features but the model takes 4 features");
        Assert.False(File.Exists(scores));

        string images = Images("png", 10);
        string imageRun = Path.Combine(Out, "irun");
        Assert.Equal(0, Run(Train(images, imageRun, "--epochs", "1")).Code);
        Refused(Run("encode", "--model", imageRun, "--data", Images("big", 3, size: 12), "--out", Path.Combine(Out, "c.csv")),
            "12×12 images", "8×8", "--resize");
        // …and with --resize the larger images fit.
        var (code, _, err) = Run("encode", "--model", imageRun, "--data", Path.Combine(Out, "big"), "--resize", "8,8", "--out", Path.Combine(Out, "c.csv"));
        Assert.True(code == 0, err);
    }

    [Fact]
    public void Mixed_image_sizes_need_resize_and_an_unreadable_image_is_named()
    {
        string data = Images("mixed", 5);
        string odd = Path.Combine(data, "a", "zz-odd.png");
        using (var bitmap = new SKBitmap(new SKImageInfo(6, 5)))
        using (var image = SKImage.FromBitmap(bitmap))
        using (var png = image.Encode(SKEncodedImageFormat.Png, 100))
            File.WriteAllBytes(odd, png.ToArray());
        string run = Path.Combine(Out, "run");
        Refused(Run(Train(data, run)), "zz-odd.png", "--resize");
        var (code, _, err) = Run(Train(data, run, "--resize", "8,8", "--epochs", "1"));
        Assert.True(code == 0, err);
        File.WriteAllText(odd, "not a picture");
        Refused(Run(Train(data, Path.Combine(Out, "run2"), "--resize", "8,8")), "zz-odd.png", "cannot be read");
    }

    [Fact]
    public void Nonsense_options_and_outputs_are_refused_before_any_work()
    {
        string data = Table("t.csv", 50);
        string run = Path.Combine(Out, "run");
        Refused(Run(Train(data, run, "--test-fraction", "1")), "--test-fraction");
        Refused(Run(Train(data, run, "--scale", "log")), "--scale", "'log'");
        Refused(Run(Train(data, run, "--resize", "0,4")), "--resize");
        Refused(Run(Train(data, run, "--columns", "temp,temp")), "--columns", "'temp' is named twice");
        Refused(Run(Train(data, run, "--likelihood", "poisson")), "--likelihood");
        Refused(Run(Train(Path.Combine(Out, "nothing.parquet"), run)), "not found");
        File.WriteAllText(Path.Combine(Out, "x.parquet"), "PAR1");
        Refused(Run(Train(Path.Combine(Out, "x.parquet"), run)), "unknown format");
        Assert.Equal(0, Run(Train(data, run, "--label-column", "kind", "--epochs", "1")).Code);
        string existing = Path.Combine(Out, "keep.csv");
        File.WriteAllText(existing, "precious");
        Refused(Run("score", "--model", run, "--data", data, "--out", existing), "exists", "--force");
        Assert.Equal("precious", File.ReadAllText(existing));
        Refused(Run("score", "--model", run, "--data", data, "--out", Path.Combine(Out, "s.txt")), "must end in .csv");
        Refused(Run("score", "--model", run, "--data", data, "--out", Path.Combine(Out, "s.csv"), "--threshold-quantile", "1.5"), "--threshold-quantile");
        string wide = Path.Combine(Out, "wide.csv");
        File.WriteAllText(wide, "a,b,c,d\n1,2,3,4\n");
        Refused(Run("decode", "--model", run, "--codes", wide, "--out", Path.Combine(Out, "d.csv")), "wide.csv", "4 values per row but the model's latent dimension is 2");
        Refused(Run("decode", "--model", run, "--codes", data, "--out", Path.Combine(Out, "d.csv")), "t.csv", "column 'kind' (5)", "not a number");
    }

    [Fact]
    public void New_rows_are_read_by_the_runs_column_names_whatever_their_order_and_need_no_label()
    {
        string data = Table("t.csv", 200);
        string run = Path.Combine(Out, "run");
        Assert.Equal(0, Run(Train(data, run, "--label-column", "kind")).Code);
        // The same rows with the columns in another order, the label renamed, and a copy without any label column.
        var lines = File.ReadAllLines(data).Select(l => l.Split(',')).ToArray();
        string permuted = Path.Combine(Out, "permuted.csv"), unlabelled = Path.Combine(Out, "unlabelled.csv");
        File.WriteAllLines(permuted, lines.Select((f, i) => string.Join(",", i == 0 ? ["noise", "flow", "pressure", "temp", "class"] : new[] { f[3], f[2], f[1], f[0], f[4] })));
        File.WriteAllLines(unlabelled, lines.Select(f => string.Join(",", f[..4])));
        string Scores(string file, params string[] more)
        {
            string output = Path.Combine(Out, Guid.NewGuid().ToString("N") + ".csv");
            var (code, _, err) = Run(["score", "--model", run, "--data", file, "--out", output, .. more]);
            Assert.True(code == 0, err);
            return string.Join("\n", File.ReadAllLines(output).Skip(1).Select(l => string.Join(",", l.Split(',')[^3..])));
        }
        string expected = Scores(data);
        Assert.Equal(expected, Scores(permuted, "--label-column", "class"));
        Assert.Equal(expected, Scores(unlabelled));
        // A label column asked for on the command line must be there.
        var (missing, _, missingErr) = Run("score", "--model", run, "--data", unlabelled, "--out", Path.Combine(Out, "m.csv"), "--label-column", "kind");
        Assert.Equal(2, missing);
        Assert.Contains("no label column 'kind'", missingErr);
    }

    [Fact]
    public void A_colour_model_reads_grey_images_and_a_grey_model_colour_ones()
    {
        string grey = Images("grey", 10), colour = Images("colour", 10, colour: true);
        string greyRun = Path.Combine(Out, "grey-run"), colourRun = Path.Combine(Out, "colour-run");
        Assert.Equal(0, Run(Train(grey, greyRun, "--epochs", "1")).Code);
        Assert.Equal(0, Run(Train(colour, colourRun, "--epochs", "1")).Code);
        var (code, _, err) = Run("encode", "--model", colourRun, "--data", grey, "--out", Path.Combine(Out, "a.csv"));
        Assert.True(code == 0, err);
        (code, _, err) = Run("encode", "--model", greyRun, "--data", colour, "--out", Path.Combine(Out, "b.csv"));
        Assert.True(code == 0, err);
    }

    [Fact]
    public void Class_names_keep_the_runs_numbering_in_a_file_that_holds_only_some_of_them()
    {
        var table = Dataset.FromArray([1, 2, 3, 4, 5, 6], 2, [0, 1, 0]);
        var loaded = new Vae.Cli.Data.LoadedData(table, null, ["y", "z"], "csv");
        var renumbered = Vae.Cli.Data.DataSource.WithClassOrder(loaded, ["x", "y"]);
        Assert.Equal(["x", "y", "z"], renumbered.ClassNames!);
        Assert.Equal([1, 2, 1], renumbered.Data.Labels.ToArray());
        Assert.Equal(table.Rows(0, 3).ToArray(), renumbered.Data.Rows(0, 3).ToArray());
    }

    [Fact]
    public void A_likelihood_that_needs_the_unit_range_is_refused_for_a_table_before_anything_is_written()
    {
        string data = Table("t.csv", 50);
        string run = Path.Combine(Out, "run");
        Refused(Run(Train(data, run, "--label-column", "kind", "--likelihood", "bernoulli")), "--likelihood bernoulli needs values in [0, 1]", "gaussian-learned-variance");
        Refused(Run(Train(data, run, "--label-column", "kind", "--likelihood", "bernoulli", "--scale", "standardize")), "after standardize scaling");
        Assert.False(Directory.Exists(run));
        // Min-max scaling puts the training rows into [0, 1]; with a test split they may fall outside, so the check covers both.
        var (code, _, err) = Run(Train(data, run, "--label-column", "kind", "--likelihood", "bernoulli", "--scale", "minmax", "--test-fraction", "0"));
        Assert.True(code == 0, err);
    }

    [Fact]
    public void A_damaged_data_json_and_too_many_codes_for_a_picture_are_one_line_errors()
    {
        string images = Images("png", 10);
        string run = Path.Combine(Out, "run");
        Assert.Equal(0, Run(Train(images, run, "--epochs", "1")).Code);
        string codes = Path.Combine(Out, "many.npy");
        using (var file = File.Create(codes)) NpyFile.WriteFloat32(file, new float[10_001 * 2], 10_001, 2);
        Refused(Run("decode", "--model", run, "--codes", codes, "--out", Path.Combine(Out, "d.png")), "more than one PNG grid holds");
        File.WriteAllText(Path.Combine(run, "data.json"), "{\"options\": {\"resize_height\": 99999999999}}");
        Refused(Run("encode", "--model", run, "--data", images, "--out", Path.Combine(Out, "c.csv")), "data.json", "not readable");
    }

    [Fact]
    public void With_impute_mean_the_usual_missing_markers_are_missing_values_and_without_it_the_error_says_so()
    {
        string path = Path.Combine(Folder("na"), "na.csv");
        File.WriteAllText(path, "a,b\n1,10\nNA,20\n3,?\n5,nan\n");
        var table = Vae.Cli.Data.CsvTable.Load(path, new Vae.Cli.Data.CsvOptions(ImputeMean: true));
        Assert.Equal([1f, 10f, 3f, 20f, 3f, 15f, 5f, 15f], table.Values);   // a: mean of 1, 3, 5; b: mean of 10, 20
        var e = Assert.Throws<DataFormatException>(() => Vae.Cli.Data.CsvTable.Load(path, new Vae.Cli.Data.CsvOptions()));
        Assert.Contains("line 3, column 'a' (1): 'NA' is not a number; pass --impute mean", e.Message);
    }

    [Fact]
    public void A_test_folder_with_only_some_classes_keeps_the_training_folders_numbering()
    {
        string train = Images("train", 6);
        string test = Images("test", 3);
        Directory.Delete(Path.Combine(test, "a"), recursive: true);   // only class b
        var (loaded, testSet) = Vae.Cli.Data.DataSource.LoadSplit(train, test, 0.1, new Vae.Cli.Data.DataOptions(), 1);
        Assert.Equal(["a", "b"], loaded.ClassNames!);
        Assert.All(testSet.Labels.ToArray(), l => Assert.Equal(1, l));
    }
}
