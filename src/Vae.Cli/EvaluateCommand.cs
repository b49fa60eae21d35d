using System.CommandLine;
using Vae.Cli.Data;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Evaluation;

namespace Vae.Cli;

/// <summary><c>vae evaluate</c>: every test-set metric of a trained model, printed and written to evaluation.json.</summary>
internal static class EvaluateCommand
{
    /// <summary>A line every 10 s during the importance-weighted estimate, with the time it still needs.</summary>
    private static Action<int, int> EstimateProgress(TextWriter stdout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long last = 0;
        return (done, total) =>
        {
            long now = clock.ElapsedMilliseconds;
            if (now - Interlocked.Read(ref last) < 10_000 || done == total) return;
            Interlocked.Exchange(ref last, now);
            double remaining = now / 1000.0 * (total - done) / done;
            lock (stdout) stdout.WriteLine($"  log p(x): {done}/{total} images, about {TimeSpan.FromSeconds(remaining):h\\:mm\\:ss} left");
        };
    }

    public static Command Create(TextWriter stdout)
    {
        var modelDir = new Option<string>("--model") { Description = "Directory holding model.safetensors (a 'vae train' --out)", Required = true };
        var data = new Option<string?>("--data") { Description = "Test data, read as the model's run read its data: an MNIST folder (its test set), a .csv, .npy or image folder (default: the repo's data/mnist)" };
        var samples = new Option<int>("--samples") { Description = "Generated samples for the MNIST FID and entropy", DefaultValueFactory = _ => 10_000 };
        var iwSamples = new Option<int>("--iw-samples") { Description = "Importance samples K per image for log p(x) (Bernoulli VAEs; 0 = skip)", DefaultValueFactory = _ => ImportanceWeightedLikelihood.DefaultSamples };
        var iwImages = new Option<int>("--iw-images") { Description = "Test images for log p(x) (each costs K decodes)", DefaultValueFactory = _ => 1000 };
        var classifier = new Option<string?>("--classifier") { Description = "Judge classifier (safetensors). Default: runs/classifiers/mlp-<data hash>.safetensors, trained there if missing" };
        var noQuality = new Option<bool>("--no-sample-quality") { Description = "Skip the FID and entropy (no classifier needed)" };
        var seed = new Option<int>("--seed") { Description = "Seed of every draw (z, ε, binarization)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Worker threads (results do not depend on it)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "JSON file to write. Default: <model dir>/evaluation.json" };
        var precision = OptionParsing.PrecisionOption();
        var command = new Command("evaluate", "Test ELBO, importance-weighted log p(x), latent statistics and sample quality of a trained model.")
        {
            modelDir, data, samples, iwSamples, iwImages, classifier, noQuality, seed, threads, output, precision,
        };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(modelDir)!;
            var loaded = ImageCommands.LoadModel(dir, parse.GetValue(precision)!);
            var model = loaded.Network;
            var options = new MetricsOptions
            {
                Samples = OptionParsing.Bounded(parse.GetValue(samples), "--samples", 100_000, "each costs a decode and 784 floats; 10,000 give a stable FID"),
                IwSamples = parse.GetValue(iwSamples) == 0 ? 0 : OptionParsing.Bounded(parse.GetValue(iwSamples), "--iw-samples", 1_000_000, "K decodes per image; the estimate stops changing long before"),
                IwImages = OptionParsing.NonNegative(parse.GetValue(iwImages), "--iw-images"),
                Seed = (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"),
                Threads = OptionParsing.Threads(parse.GetValue(threads), "--threads"),
                Progress = EstimateProgress(stdout),
            };
            if (options.Samples < 2) throw new CliError("--samples: at least 2 samples are needed for a covariance");
            string outPath = parse.GetValue(output) ?? Path.Combine(Directory.Exists(dir) ? dir : Path.GetDirectoryName(Path.GetFullPath(dir))!, "evaluation.json");
            OutputFiles.Evaluation(outPath, "--out");
            // Its folder is made now, not after minutes of measuring: a path that cannot be made fails before the work.
            OutputFiles.EnsureParent(outPath);
            string dataDir = parse.GetValue(data) ?? VaeCommand.DefaultDataDirectory();
            var pair = LoadPair(dir, dataDir, loaded, !parse.GetValue(noQuality));

            Classifier? judge = null;
            GaussianMoments? reference = null;
            double accuracy = double.NaN;
            if (!parse.GetValue(noQuality))
            {
                string? given = parse.GetValue(classifier);
                if (given is not null && !File.Exists(given) && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(given))))
                    throw new CliError($"--classifier: {given} does not exist and neither does its folder; give an existing classifier, or a path in an existing folder to train one there");
                string path = given ?? ClassifierCache.DefaultPath(dataDir, pair.Train);
                (judge, accuracy) = ClassifierCache.LoadOrTrain(path, pair, new ClassifierTrainingOptions { Threads = options.Threads }, stdout);
                reference = SampleQuality.ReferenceMoments(judge, pair.Test.Matrix, options.Threads);
            }
            var metrics = ModelMetrics.Compute(model, pair.Test, judge, reference, options);
            stdout.WriteLine($"{model.Config} on {pair.Test.Count} test images{loaded.InferencePrecision switch { InferencePrecision.BFloat16 => ", weights rounded to bfloat16", InferencePrecision.Int8 => ", weights and layer inputs quantized to int8", _ => "" }}:");
            foreach (var line in metrics.Describe()) stdout.WriteLine("  " + line);
            AtomicFile.WriteAllText(outPath, Json.Object(json =>
            {
                metrics.WriteProperties(json);
                Json.Number(json, "classifier_test_accuracy", judge is null ? null : accuracy);
                json.WriteNumber("seed", options.Seed);
                json.WriteString("precision", OptionParsing.Name(loaded.InferencePrecision));
            }));
            stdout.WriteLine($"wrote {outPath}");
            return 0;
        });
        return command;
    }

    /// <summary>The test rows (and, for the judge classifier, the training rows), in the network's units: an MNIST folder's two
    /// sets, or the given rows beside the training rows of the model's run.</summary>
    private static (Dataset Train, Dataset Test) LoadPair(string modelDir, string dataDir, LatentModel model, bool needTrain)
    {
        var run = RunData.For(modelDir, null, null);
        (Dataset Train, Dataset Test) pair;
        if (DataSource.IsMnistFolder(dataDir)) pair = Dataset.LoadMnist(dataDir);
        else
        {
            var test = run.Read(dataDir, model).Data;
            if (needTrain && !test.HasLabels)
                throw new CliError($"--data: {dataDir} has no labels, which the judge classifier of the sample quality needs; pass --no-sample-quality");
            pair = (needTrain ? run.TrainingRows(model) : test, test);
        }
        if (pair.Test.Features != model.InputSize)
            throw new CliError($"the model takes {model.InputSize} values per row but the data has {pair.Test.Features}");
        return model.Scaling is { } s ? (s.Apply(pair.Train), s.Apply(pair.Test)) : pair;
    }
}
