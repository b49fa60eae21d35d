using System.Diagnostics;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// `precision-latency [rounds=41] [batch=1] [uniform|mnist] [threads=1]`: reconstruct, encode and decode of the canonical VAE (784-400-20),
/// float32, bfloat16 and int8 weights alternated round by round in one process so that all see the same machine; each round
/// times 2,000 calls at batch 1, 2,000 / batch calls but at least 20 at larger batches. Prints the median and best round
/// per call, the weight bytes each call reads, and the bandwidth that best round reached; at batches above 1 also the rate
/// of multiply-adds (the weights are read once per call, so bandwidth says little there). The images are uniform noise (the
/// default) or MNIST's first test images (<see cref="InferenceInput"/>).
/// </summary>
public static class PrecisionLatency
{
    public static void Run(int rounds, int batch, InferenceInput input = InferenceInput.Uniform, int threads = 1)
    {
        var models = new[] { InferencePrecision.Float32, InferencePrecision.BFloat16, InferencePrecision.Int8 }.Select(p =>
        {
            var model = new VariationalNetwork(new ModelConfig(), 1);
            model.SetInferencePrecision(p);
            return (Precision: p, Model: model, Workspace: model.CreateWorkspace(batch, threads));
        }).ToArray();
        float[] x = InferenceInputs.Images(input, batch), output = new float[batch * 784],
            mu = new float[batch * 20], logVar = new float[batch * 20];
        var calls = new (string Name, long Floats, Action<VariationalNetwork, NetworkWorkspace> Call)[]
        {
            // Weights read per call: reconstruct reads the encoder, μ's half of the head and the decoder; encode the encoder and
            // the whole head; decode the decoder.
            ("reconstruct", 784L * 400 + 400 * 20 + 20 * 400 + 400 * 784,
                (m, ws) => m.Reconstruct(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(output, batch, 784), ws)),
            ("encode", 784L * 400 + 400 * 40, (m, ws) => m.Encode(new ReadOnlyMatrixSpan(x, batch, 784), new MatrixSpan(mu, batch, 20), new MatrixSpan(logVar, batch, 20), ws)),
            ("decode", 20L * 400 + 400 * 784, (m, ws) => m.Decode(new ReadOnlyMatrixSpan(mu, batch, 20), new MatrixSpan(output, batch, 784), ws)),
        };
        int perRound = Math.Max(20, 2000 / batch);
        Console.WriteLine($"batch {batch}, {input} images, {threads} thread(s), {perRound} calls per round, {rounds} rounds");
        Console.WriteLine($"{"call",-12} {"precision",-9} {"median µs",10} {"best µs",9} {"weight MB",10} {"GB/s (best)",12} {"GMAC/s (median)",16}");
        foreach (var (name, floats, call) in calls)
        {
            var times = models.Select(_ => new List<double>()).ToArray();
            // Warm-up long enough for tiered compilation to finish (call counting starts 100 ms in): 300 ms per model.
            foreach (var (_, model, ws) in models)
                for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 300;) call(model, ws);
            for (int round = 0; round < rounds; round++)
                for (int m = 0; m < models.Length; m++)
                {
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < perRound; i++) call(models[m].Model, models[m].Workspace);
                    times[m].Add(clock.Elapsed.TotalMicroseconds / perRound);
                }
            for (int m = 0; m < models.Length; m++)
            {
                var sorted = times[m].Order().ToArray();
                double bytes = floats * models[m].Precision switch { InferencePrecision.Float32 => 4, InferencePrecision.BFloat16 => 2, _ => 1 };
                Console.WriteLine($"{name,-12} {models[m].Precision,-9} {sorted[sorted.Length / 2],10:F1} {sorted[0],9:F1} {bytes / 1e6,10:F2} {bytes / sorted[0] / 1e3,12:F1} {floats * (double)batch / sorted[sorted.Length / 2] / 1e3,16:F1}");
            }
            for (int m = 1; m < models.Length; m++)
            {
                var ratios = times[0].Zip(times[m], (a, b) => a / b).Order().ToArray();
                Console.WriteLine($"{name,-12} float32 / {models[m].Precision.ToString().ToLowerInvariant()} per round: median {ratios[ratios.Length / 2]:F2}×, min {ratios[0]:F2}×, max {ratios[^1]:F2}×");
            }
        }
        foreach (var (_, _, ws) in models) ws.Dispose();
    }
}
