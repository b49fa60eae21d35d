using System.Diagnostics;
using Vae.Cli.Data;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Evaluation;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Training;

namespace Vae.Cli;

/// <summary>One of the lecture's models: its kind, latent size and the two loss weights as the lecture states them.</summary>
internal sealed record LectureModel(string Name, ModelKind Kind, int Latent, float MseWeight, float KlWeight, string Role);

/// <summary>The settings of one <c>vae experiment lecture</c> run.</summary>
internal sealed record LectureSettings
{
    public required string DataDirectory { get; init; }
    public required string OutputDirectory { get; init; }
    public bool Quick { get; init; }
    public int Epochs { get; init; } = 20;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public ulong Seed { get; init; } = 1;
    public bool Force { get; init; }
    public bool Quiet { get; init; }
    public string? ClassifierPath { get; init; }

    /// <summary>"mlp" (ReLU between layers: fully connected networks) or "linear" (no hidden nonlinearity: the lecture's
    /// "linear VAE" read literally).</summary>
    public string Variant { get; init; } = "mlp";

    public ActivationKind Activation => Variant == "linear" ? ActivationKind.Identity : ActivationKind.ReLU;

    /// <summary>The --quick subset: enough to run every step, far too little to learn much.</summary>
    public const int QuickTrainImages = 3000, QuickTestImages = 1000, QuickEpochs = 2, QuickSamples = 1000;
}

/// <summary>
/// The lecture's comparison: six models with one architecture, trained on MNIST, each measured with
/// <see cref="ModelMetrics"/> and drawn (samples, reconstructions, latent histograms, 2-D maps, traversals,
/// interpolations); <see cref="LectureReport"/> turns the numbers into report.md and report.json.
/// </summary>
internal static class LectureExperiment
{
    /// <summary>One architecture for all six: MLP encoder 784 → 512 → 256 → latent, mirrored decoder, ReLU, sigmoid output.</summary>
    public static readonly int[] Hidden = [512, 256];

    /// <summary>
    /// The lecture's weights are 10 on the MSE and 0.001 on the KL. An MSE is a mean over pixels; our Gaussian term
    /// sums the squared error over the 784 pixels, so the lecture's 10 becomes 10/784 on our term. The KL is summed over
    /// latent dimensions, as the analytic KL of one image is.
    /// </summary>
    public static float ReconstructionWeight(float mseWeight, int pixels) => mseWeight / pixels;

    public static readonly IReadOnlyList<LectureModel> Models =
    [
        new("ae-2", ModelKind.Autoencoder, 2, 10f, 0f, "autoencoder, 2-D latent space"),
        new("ae-10", ModelKind.Autoencoder, 10, 10f, 0f, "autoencoder, 10-D latent space"),
        new("vae-2", ModelKind.Variational, 2, 10f, 0.001f, "VAE, 2-D latent space"),
        new("vae-10", ModelKind.Variational, 10, 10f, 0.001f, "VAE, 10-D latent space"),
        new("vae-10-kl-only", ModelKind.Variational, 10, 0f, 0.001f, "VAE, KL term only (reconstruction weight 0)"),
        new("vae-10-recon-only", ModelKind.Variational, 10, 10f, 0f, "VAE, reconstruction term only (KL weight 0)"),
        new("vae-2-kl-only", ModelKind.Variational, 2, 0f, 0.001f, "VAE, 2-D, KL term only (the lecture's ablation, centre panel)"),
        new("vae-2-recon-only", ModelKind.Variational, 2, 10f, 0f, "VAE, 2-D, reconstruction term only (the lecture's ablation, right panel)"),
    ];

    /// <summary>The lecture's three 2-D panels, left to right: MSE + KL, KL only, MSE only.</summary>
    public static readonly string[] Ablation2D = ["vae-2", "vae-2-kl-only", "vae-2-recon-only"];

    /// <summary>Test images whose interpolations are drawn: pairs of different digits.</summary>
    private static readonly (int, int)[] InterpolationPairs = [(0, 1), (2, 3), (4, 5), (6, 7)];

    public static void Run(LectureSettings s, TextWriter output)
    {
        var log = s.Quiet ? TextWriter.Null : output;
        var clock = Stopwatch.StartNew();
        // The data and a given classifier are read before --out is touched: a refused input must not cost an earlier
        // experiment its files, even with --force.
        var pair = Dataset.LoadMnist(s.DataDirectory);
        if (s.ClassifierPath is { } given && File.Exists(given) && ClassifierCheckpoint.Load(given, out _).InputSize != pair.Test.Features)
            throw new CliError($"--classifier: {given} takes images of another size than the data's {pair.Test.Features} pixels");
        using var folder = RunFolder.Claim(s.OutputDirectory, "--out");
        folder.ReplaceEarlierRun(["report.json", "report.md", "figures", "models", "classifier.safetensors"], s.Force, "an earlier lecture experiment");
        if (s.Quick) pair = (pair.Train.Take(LectureSettings.QuickTrainImages), pair.Test.Take(LectureSettings.QuickTestImages));
        int epochs = s.Quick ? LectureSettings.QuickEpochs : s.Epochs;
        int samples = s.Quick ? LectureSettings.QuickSamples : 10_000;
        Directory.CreateDirectory(s.OutputDirectory);
        log.WriteLine($"lecture experiment, {s.Variant} variant{(s.Quick ? " (--quick: a subset, numbers not meaningful)" : "")}: {pair.Train.Count} training and {pair.Test.Count} test images, {epochs} epochs per model → {s.OutputDirectory}");

        // The judge: cached for the full data set; for --quick a small one in the output directory.
        var classifierOptions = new ClassifierTrainingOptions { Threads = s.Threads, Epochs = s.Quick ? 2 : 10 };
        string classifierPath = s.ClassifierPath
            ?? (s.Quick ? Path.Combine(s.OutputDirectory, "classifier.safetensors") : ClassifierCache.DefaultPath(s.DataDirectory, pair.Train));
        var (judge, accuracy) = ClassifierCache.LoadOrTrain(classifierPath, pair, classifierOptions, log);
        var reference = SampleQuality.ReferenceMoments(judge, pair.Test.Matrix, s.Threads);
        var baselines = BaselineNumbers.Measure(pair.Train, pair.Test, judge, reference, samples, s.Threads);

        var results = new List<(LectureModel Spec, ModelMetrics Metrics, TraversalSummary Traversal)>();
        var figures = Path.Combine(s.OutputDirectory, "figures");
        Directory.CreateDirectory(figures);
        var models = new List<LatentNetwork>();
        foreach (var spec in Models)
        {
            string dir = Path.Combine(s.OutputDirectory, "models", spec.Name);
            var settings = new TrainCommand.Settings(s.DataDirectory,
                new ModelConfig { Kind = spec.Kind, Hidden = Hidden, Latent = spec.Latent, Activation = s.Activation, Likelihood = Likelihood.Gaussian },
                new TrainingOptions
                {
                    Epochs = epochs, BatchSize = 128, LearningRate = 1e-3f, Threads = s.Threads, Seed = s.Seed,
                    Weights = new LossWeights(ReconstructionWeight(spec.MseWeight, pair.Train.Features), spec.KlWeight),
                },
                dir, Force: true, Quiet: s.Quiet, Limit: 0);
            log.WriteLine($"[{spec.Name}] {spec.Role}");
            TrainCommand.Train(settings, new EpochProgress(quiet: s.Quiet, log, interactive: false), (new LoadedData(pair.Train, null, null, "idx"), pair.Test));
            var model = ImageCommands.LoadModel(dir).Network;
            models.Add(model);
            var metrics = ModelMetrics.Compute(model, pair.Test, judge, reference, new MetricsOptions { Samples = samples, IwSamples = 0, Seed = s.Seed, Threads = s.Threads });
            foreach (var line in metrics.Describe()) log.WriteLine("  " + line);
            AtomicFile.WriteAllText(Path.Combine(dir, "evaluation.json"), Json.Object(metrics.WriteProperties));

            LatentCommands.WriteLatentFigures(model, pair.Test, dir, spec.Name);
            LatentCommands.WriteTraversal(model, pair.Test, Path.Combine(dir, "traversal.png"), 0, 11, 3f);
            LatentCommands.WriteInterpolations(model, pair.Test, Path.Combine(dir, "interpolation.png"), InterpolationPairs, 8);
            var traversal = TraversalSummary.Measure(model, pair.Test, judge, 0, 11, 3f);
            results.Add((spec, metrics, traversal));
        }

        WriteComparisonFigures(models, pair.Test, figures, s.Seed);
        WriteAblationFigures(Ablation2D.Select(name => models[Models.ToList().FindIndex(m => m.Name == name)]).ToArray(), pair.Test, figures, s.Seed);
        LectureReport.Write(s, pair, epochs, samples, accuracy, classifierPath, baselines, results, clock.Elapsed.TotalSeconds);
        log.WriteLine($"wrote {Path.Combine(s.OutputDirectory, "report.md")} and report.json in {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>The lecture's ablation at dimension 2: ablation-2d.png, the three models' latent points side by side on one
    /// shared scale (one z ~ q(z|x) per test image, coloured by digit: what the encoder hands the decoder, so the KL-only
    /// model's points show the prior's spread rather than a collapsed μ), and ablation-2d-samples.png, one row per model
    /// decoding the same 12 draws z ~ N(0, I).</summary>
    private static void WriteAblationFigures(IReadOnlyList<LatentNetwork> models, Dataset test, string figures, ulong seed)
    {
        var panels = new List<(string Title, float[] Codes)>();
        for (int m = 0; m < models.Count; m++)
        {
            var vae = (VariationalNetwork)models[m];
            using var ws = vae.CreateWorkspace(Math.Min(test.Count, 500));
            using var mu = new Matrix(test.Count, 2);
            using var logVar = new Matrix(test.Count, 2);
            using var epsilon = new Matrix(test.Count, 2);
            var z = new float[test.Count * 2];
            vae.Encode(test.Matrix, mu.AsSpan(), logVar.AsSpan(), ws);
            new NoiseSource(seed ^ 0x5A3D1E5UL).Fill(epsilon.AsSpan(), 0);
            Reparameterization.Forward(mu.AsReadOnlySpan(), logVar.AsReadOnlySpan(), epsilon.AsReadOnlySpan(), new MatrixSpan(z, test.Count, 2));
            panels.Add((AblationTitles[m], z));
        }
        Plots.LatentScatterPanels(Path.Combine(figures, "ablation-2d.png"), panels, test.Labels, "z ~ q(z|x) of the test images");

        const int columns = 12;
        int pixels = test.Features;
        var samples = new float[models.Count * columns * pixels];
        for (int m = 0; m < models.Count; m++)
        {
            using var ws = models[m].CreateWorkspace(columns);
            models[m].Sample(new MatrixSpan(samples.AsSpan(m * columns * pixels, columns * pixels), columns, pixels), new NoiseSource(seed ^ 0x5A4D1E5UL), ws);
        }
        ImageGrid.Save(Path.Combine(figures, "ablation-2d-samples.png"), samples, models.Count * columns, test.ImageHeight, test.ImageWidth, columns);
    }

    private static readonly string[] AblationTitles = ["MSE + KL (10, 0.001)", "KL only (0, 0.001)", "MSE only (10, 0)"];

    /// <summary>samples-by-model.png (row k: model k decoding the same 12 draws z ~ N(0, I)) and
    /// reconstructions-by-model.png (first row: 12 test images; row k + 1: model k's reconstructions).</summary>
    private static void WriteComparisonFigures(IReadOnlyList<LatentNetwork> models, Dataset test, string figures, ulong seed)
    {
        const int columns = 12;
        int pixels = test.Features;
        var samples = new float[models.Count * columns * pixels];
        var reconstructions = new float[(models.Count + 1) * columns * pixels];
        test.Matrix.SliceRows(0, columns).ToArray().CopyTo(reconstructions, 0);
        for (int m = 0; m < models.Count; m++)
        {
            using var ws = models[m].CreateWorkspace(columns);
            models[m].Sample(new MatrixSpan(samples.AsSpan(m * columns * pixels, columns * pixels), columns, pixels), new NoiseSource(seed ^ 0x5A4D1E5UL), ws);
            models[m].Reconstruct(test.Matrix.SliceRows(0, columns), new MatrixSpan(reconstructions.AsSpan((m + 1) * columns * pixels, columns * pixels), columns, pixels), ws);
        }
        ImageGrid.Save(Path.Combine(figures, "samples-by-model.png"), samples, models.Count * columns, test.ImageHeight, test.ImageWidth, columns);
        ImageGrid.Save(Path.Combine(figures, "reconstructions-by-model.png"), reconstructions, (models.Count + 1) * columns, test.ImageHeight, test.ImageWidth, columns);
    }
}
