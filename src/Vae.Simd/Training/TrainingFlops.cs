using Vae.Simd.Models;

namespace Vae.Simd.Training;

/// <summary>Floating-point work of the matrix products, for throughput and efficiency figures.</summary>
internal static class TrainingFlops
{
    /// <summary>FLOPs (2 per multiply-add) of one training sample's matrix products: forward, weight
    /// gradient and input gradient of every linear layer, except the first layer's input gradient, which
    /// training never needs. The canonical model: 3.28 MFLOP.</summary>
    public static double PerSample(ModelConfig config)
    {
        var encoder = new[] { config.InputSize }.Concat(config.Hidden).ToArray();
        int headOut = config.Kind == ModelKind.Variational ? 2 * config.Latent : config.Latent;
        var layers = new List<(int In, int Out)>();
        for (int i = 0; i + 1 < encoder.Length; i++) layers.Add((encoder[i], encoder[i + 1]));
        layers.Add((encoder[^1], headOut));
        var decoder = new[] { config.Latent }.Concat(config.Hidden.Reverse()).Append(config.InputSize).ToArray();
        for (int i = 0; i + 1 < decoder.Length; i++) layers.Add((decoder[i], decoder[i + 1]));
        double flops = 0;
        for (int i = 0; i < layers.Count; i++)
            flops += (i == 0 ? 4.0 : 6.0) * layers[i].In * layers[i].Out;
        return flops;
    }
}
