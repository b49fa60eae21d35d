using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>How good a model's generated samples look to a <see cref="Classifier"/>.</summary>
internal sealed record SampleQualityResult
{
    /// <summary>"MNIST FID": the Fréchet distance between the classifier features of the samples and of the reference images. Lower is better.</summary>
    public required double Fid { get; init; }

    /// <summary>Mean entropy (nats) of the classifier's class distribution per sample: low when samples look like one clear digit. At most ln 10 ≈ 2.30.</summary>
    public required double MeanEntropy { get; init; }

    /// <summary>Fraction of samples the classifier puts in each class: a model that generates few digits shows it here.</summary>
    public required double[] ClassFrequencies { get; init; }

    /// <summary>Entropy (nats) of <see cref="ClassFrequencies"/>: ln 10 ≈ 2.30 when every digit is generated equally often,
    /// 0 when every sample is the same digit.</summary>
    public double ClassHistogramEntropy => ClassFrequencies.Sum(f => f > 0 ? -f * Math.Log(f) : 0);

    /// <summary>Root mean squared pixel difference between two samples, averaged over all pairs of the first
    /// <see cref="SampleQuality.PairwiseSamples"/>: how different the samples look from one another.</summary>
    public required double MeanPairwiseDistance { get; init; }

    /// <summary>Number of samples.</summary>
    public required int Samples { get; init; }
}

/// <summary>Sample quality of a generative model, judged by a trained <see cref="Classifier"/>.</summary>
internal static class SampleQuality
{
    /// <summary>Samples whose pairwise distances are averaged (all pairs: half a million for 1000).</summary>
    public const int PairwiseSamples = 1000;

    /// <summary>The mean over pairs of the RMS pixel difference of the first <see cref="PairwiseSamples"/> images.</summary>
    public static double MeanPairwiseDistance(ReadOnlyMatrixSpan images)
    {
        int n = Math.Min(images.Rows, PairwiseSamples);
        if (n < 2) return double.NaN;
        double sum = 0;
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++) sum += Math.Sqrt(Measures.SquaredError(images[a], images[b]) / images.Columns);
        return sum / (n * (n - 1) / 2.0);
    }

    /// <summary>The feature moments of real images (compute once, compare many models against them).</summary>
    public static GaussianMoments ReferenceMoments(Classifier classifier, ReadOnlyMatrixSpan images, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        using var features = new Matrix(images.Rows, classifier.FeatureSize);
        using (var ws = classifier.CreateWorkspace(Math.Min(images.Rows, 500), threads))
            classifier.Features(images, features.AsSpan(), ws);
        return GaussianMoments.Of(features.AsReadOnlySpan());
    }

    /// <summary>Decodes <paramref name="samples"/> draws of z ~ N(0, I) (seeded) and compares them with <paramref name="reference"/>.</summary>
    public static SampleQualityResult Evaluate(LatentNetwork model, Classifier classifier, GaussianMoments reference, int samples = 10_000, ulong seed = 1, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(reference);
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "at least 2 samples are needed for a covariance");
        if (model.Config.InputSize != classifier.InputSize)
            throw new ArgumentException($"the model makes images of {model.Config.InputSize} pixels but the classifier takes {classifier.InputSize}", nameof(classifier));
        if (reference.Dimension != classifier.FeatureSize)
            throw new ArgumentException($"the reference moments have dimension {reference.Dimension} but the classifier's features {classifier.FeatureSize}", nameof(reference));

        using var images = new Matrix(samples, model.Config.InputSize);
        using (var ws = model.CreateWorkspace(Math.Min(samples, 500), threads))
            model.Sample(images.AsSpan(), new NoiseSource(seed), ws);
        return Judge(images.AsReadOnlySpan(), classifier, reference, threads);
    }

    /// <summary>The same statistics for any set of images (e.g. real test images, the best a model can do).</summary>
    public static SampleQualityResult Judge(ReadOnlyMatrixSpan images, Classifier classifier, GaussianMoments reference, int threads = 1)
    {
        int n = images.Rows;
        using var features = new Matrix(n, classifier.FeatureSize);
        using var probabilities = new Matrix(n, classifier.Classes);
        using (var ws = classifier.CreateWorkspace(Math.Min(n, 500), threads))
            classifier.FeaturesAndPredictions(images, features.AsSpan(), probabilities.AsSpan(), ws);

        double entropy = 0;
        var frequencies = new double[classifier.Classes];
        var p = probabilities.AsReadOnlySpan();
        for (int r = 0; r < n; r++)
        {
            var row = p[r];
            entropy += Measures.Entropy(row);
            frequencies[System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row)] += 1.0 / n;
        }
        return new SampleQualityResult
        {
            Fid = FrechetDistance.Between(GaussianMoments.Of(features.AsReadOnlySpan()), reference),
            MeanEntropy = entropy / n,
            ClassFrequencies = frequencies,
            MeanPairwiseDistance = MeanPairwiseDistance(images),
            Samples = n,
        };
    }
}
