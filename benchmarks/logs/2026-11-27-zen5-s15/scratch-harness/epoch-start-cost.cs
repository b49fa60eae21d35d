// Scratch: what Fit's per-epoch snapshot costs for the canonical VAE (652,824 parameters, Adam): Keep() and the finiteness scan.
using System.Diagnostics;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Training;
var network = new VariationalNetwork(new ModelConfig(), 1);
var adam = new Adam(network.Parameters.Length, 1e-3f, 0.9f, 0.999f, 1e-8f);
var start = new EpochStart(network.Parameters, adam);
for (int round = 0; round < 5; round++)
{
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < 50; i++) start.Keep();
    double keep = sw.Elapsed.TotalMicroseconds / 50;
    sw.Restart();
    float m = 0;
    for (int i = 0; i < 50; i++) m += LargestMagnitude.Of(network.Parameters);
    double scan = sw.Elapsed.TotalMicroseconds / 50;
    Console.WriteLine($"params {network.Parameters.Length:N0}: Keep {keep:F0} µs, finiteness scan {scan:F0} µs per epoch ({m > 0})");
}
