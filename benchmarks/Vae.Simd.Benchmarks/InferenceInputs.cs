using Vae.Simd.Common;
using Vae.Simd.Data;

namespace Vae.Simd.Benchmarks;

/// <summary>What the inference benchmarks feed the model.</summary>
public enum InferenceInput
{
    /// <summary>Uniform noise in [0, 1): no value is zero, so the int8 tiles skip nothing. The peer's own input.</summary>
    Uniform,
    /// <summary>MNIST's first test images, pixels in [0, 1]: 82 % of them are zero, and a tile of four images leaves about half
    /// the first layer's quads empty, which the int8 tiles skip.</summary>
    MnistTest,
}

public static class InferenceInputs
{
    /// <summary><paramref name="batch"/> images of 784 values, row after row.</summary>
    public static float[] Images(InferenceInput input, int batch)
    {
        if (input == InferenceInput.Uniform)
        {
            var r = new SeededRandom(1);
            return Enumerable.Range(0, batch * 784).Select(_ => r.NextSingle()).ToArray();
        }
        var images = Dataset.LoadIdx(Path.Combine(MnistDirectory(), "t10k-images-idx3-ubyte.gz"), maxRows: batch);
        if (images.Count < batch) throw new InvalidOperationException($"MNIST's test set has {images.Count} images, fewer than the batch of {batch}");
        return images.Rows(0, batch).ToArray();
    }

    /// <summary>The repository's data/mnist, found upwards from the working directory or the program's own (BenchmarkDotNet
    /// runs each benchmark from a folder of its own below the project).</summary>
    private static string MnistDirectory()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "data", "mnist");
                if (File.Exists(Path.Combine(candidate, "t10k-images-idx3-ubyte.gz"))) return candidate;
            }
        throw new DirectoryNotFoundException("data/mnist/t10k-images-idx3-ubyte.gz not found above the working directory; run from the repository");
    }
}
