using Vae.Simd.Common;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Vae.Simd;
using Vae.Simd.Evaluation;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// The importance-weighted log p(x) of the canonical Bernoulli VAE (decoder 20-400-784), K = 5000 draws per
/// image, on 1 and 2 threads. Its cost is the decoding of every draw, 643 kFLOP each; decodes/s =
/// GFLOP/s × 10⁹ / 643,200.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class EvaluationBenchmarks : IFlopCounter
{
    private const int Images = 20, Samples = ImportanceWeightedLikelihood.DefaultSamples;

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    private VariationalNetwork _model = null!;
    private float[] _images = [];

    public double FlopsPerInvocation(string method) => (double)Images * Samples * DecodeFlops(new ModelConfig());

    /// <summary>2 FLOPs per multiply-add of the decoder's linear layers.</summary>
    private static double DecodeFlops(ModelConfig config)
    {
        var sizes = new[] { config.Latent }.Concat(config.Hidden.Reverse()).Append(config.InputSize).ToArray();
        double flops = 0;
        for (int i = 0; i + 1 < sizes.Length; i++) flops += 2.0 * sizes[i] * sizes[i + 1];
        return flops;
    }

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(1);
        _model = new VariationalNetwork(new ModelConfig(), 1);
        // Binary pixels, as the estimate is meant to be taken on binarized images.
        _images = Enumerable.Range(0, Images * 784).Select(_ => r.NextSingle() < 0.13f ? 1f : 0f).ToArray();
    }

    [Benchmark]
    public double ImportanceWeighted() =>
        ImportanceWeightedLikelihood.Estimate(_model, new ReadOnlyMatrixSpan(_images, Images, 784), Samples, seed: 1, Threads).Sum();
}
