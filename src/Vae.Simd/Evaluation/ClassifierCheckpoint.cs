using System.Globalization;
using Vae.Simd.Serialization;

namespace Vae.Simd.Evaluation;

/// <summary>
/// Saves and loads a <see cref="Classifier"/> as safetensors, with its widths in <c>__metadata__</c>
/// ("format" and "sizes") so the file alone rebuilds it.
/// </summary>
internal static class ClassifierCheckpoint
{
    /// <summary>The value of the "format" metadata entry.</summary>
    public const string Format = "vae-simd-classifier/1";

    /// <summary>Writes <paramref name="classifier"/> to <paramref name="path"/> atomically, with extra metadata (e.g. its test accuracy).</summary>
    public static void Save(Classifier classifier, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var tensors = ParameterTensors.From(classifier.Layout, classifier.Parameters);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["sizes"] = string.Join(",", classifier.Sizes.Select(s => s.ToString(CultureInfo.InvariantCulture))),
        };
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) metadata.TryAdd(k, v);
        SafeTensors.Write(path, tensors, metadata);
    }

    /// <summary>Reads a classifier; every tensor must be present, finite and of the recorded shape.</summary>
    public static Classifier Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        (var tensors, metadata) = SafeTensors.Read(path);
        if (!metadata.TryGetValue("format", out var format) || format != Format)
            throw new CheckpointException($"{path}: not a Vae.Simd classifier (format '{format}', expected '{Format}')");
        if (!metadata.TryGetValue("sizes", out var sizesText))
            throw new CheckpointException($"{path}: no 'sizes' entry in __metadata__");
        Classifier classifier;
        try
        {
            int[] sizes = sizesText.Split(',').Select(s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
            classifier = new Classifier(sizes);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new CheckpointException($"{path}: invalid classifier sizes '{sizesText}' ({e.Message})", e);
        }
        ParameterTensors.CopyInto(path, tensors, classifier, $"a classifier of sizes {sizesText}");
        return classifier;
    }
}
