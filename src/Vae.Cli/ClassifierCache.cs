using System.Globalization;
using System.Security.Cryptography;
using System.Runtime.InteropServices;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Evaluation;
using Vae.Simd.Serialization;

namespace Vae.Cli;

/// <summary>
/// The judge classifier of the sample-quality metrics, trained once per dataset and cached as safetensors.
/// The cache file is named after a hash of the training set, so another dataset never reuses it.
/// </summary>
internal static class ClassifierCache
{
    /// <summary>Widths of the judge: 784 → 512 → 256 (the feature layer) → 10.</summary>
    public static int[] Sizes(int inputSize) => [inputSize, 512, 256, 10];

    /// <summary>
    /// Where the judge for <paramref name="train"/> lives by default. For a dataset in a project's
    /// <c>data/NAME</c> folder (the repo's data/mnist): that project's runs/classifiers/, so one cache serves
    /// every working directory. For any other dataset: runs/classifiers/ in the current directory, like
    /// <c>vae train</c>'s runs/, rather than somewhere above the data.
    /// </summary>
    public static string DefaultPath(string dataDirectory, Dataset train)
    {
        var parent = Directory.GetParent(Path.GetFullPath(dataDirectory).TrimEnd(Path.DirectorySeparatorChar));
        string root = parent is { Name: "data", Parent: not null } ? parent.Parent.FullName : Directory.GetCurrentDirectory();
        return Path.Combine(root, "runs", "classifiers", $"mlp-{Fingerprint(train)}.safetensors");
    }

    /// <summary>A short hash of the pixels and labels.</summary>
    public static string Fingerprint(Dataset data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(data.Values.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(data.Labels));
        return Convert.ToHexStringLower(hash.GetCurrentHash())[..12];
    }

    /// <summary>Loads the classifier at <paramref name="path"/>, or trains one on <paramref name="pair"/> and saves it there.
    /// Returns it with its test accuracy.</summary>
    public static (Classifier Classifier, double TestAccuracy) LoadOrTrain(string path, (Dataset Train, Dataset Test) pair, ClassifierTrainingOptions options,
        TextWriter log)
    {
        // ±2-pixel shifts suit MNIST's 28×28; small images get smaller shifts (none below 4×4).
        int side = Math.Min(pair.Train.ImageHeight, pair.Train.ImageWidth);
        options = options with { MaxShift = Math.Min(options.MaxShift, side / 4) };
        if (File.Exists(path))
        {
            var cached = ClassifierCheckpoint.Load(path, out var metadata);
            if (cached.InputSize != pair.Test.Features)
                throw new CliError($"{path}: the cached classifier takes {cached.InputSize} pixels but the data has {pair.Test.Features}; delete it or pass another --classifier");
            double accuracy = Accuracy(cached, pair.Test, options.Threads);
            log.WriteLine($"classifier: {path} (test accuracy {accuracy:P2})");
            return (cached, accuracy);
        }
        log.WriteLine($"classifier: training [{string.Join(", ", Sizes(pair.Train.Features))}] on {pair.Train.Count} images, {options.Epochs} epochs (once; cached at {path})");
        var classifier = new Classifier(Sizes(pair.Train.Features), options.Seed);
        ClassifierTrainer.Train(classifier, pair.Train, options, (epoch, loss) => log.WriteLine($"  classifier epoch {epoch}/{options.Epochs}  loss {loss:F4}"));
        double testAccuracy = Accuracy(classifier, pair.Test, options.Threads);
        log.WriteLine($"classifier: test accuracy {testAccuracy:P2}");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ClassifierCheckpoint.Save(classifier, path, new Dictionary<string, string>
        {
            ["test_accuracy"] = testAccuracy.ToString("R", CultureInfo.InvariantCulture),
            ["train_fingerprint"] = Fingerprint(pair.Train),
        });
        return (classifier, testAccuracy);
    }

    private static double Accuracy(Classifier classifier, Dataset test, int threads)
    {
        using var ws = classifier.CreateWorkspace(Math.Min(test.Count, 500), threads);
        return classifier.Accuracy(test.Matrix, test.Labels, ws);
    }
}
