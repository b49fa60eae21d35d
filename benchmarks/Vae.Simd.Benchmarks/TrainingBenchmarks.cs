using BenchmarkDotNet.Attributes;
using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Training;

namespace Vae.Simd.Benchmarks;

/// <summary>One optimizer step of the canonical VAE (batch 128) on 1 and 2 threads, by the fused step that training uses and
/// by the reference step it is proven equal to. Samples/s = 128 / mean time; the matrix work is 3.28 MFLOP per sample.</summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class TrainingBenchmarks : IFlopCounter
{
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <summary>"fused" (what Fit runs) or "reference" (one shard, one gradient buffer, then the optimizer).</summary>
    [Params("fused", "reference")]
    public string Step { get; set; } = "fused";

    private Dataset _data = null!;
    private IStepRunner _runner = null!;
    private WorkerPool _pool = null!;
    private int[] _order = [];
    private int _next;

    public double FlopsPerInvocation(string method) => 128 * TrainingFlops.PerSample(new ModelConfig());

    [GlobalSetup]
    public void Setup()
    {
        var r = new SeededRandom(1);
        _data = Dataset.FromArray(Enumerable.Range(0, 1280 * 784).Select(_ => r.NextSingle()).ToArray(), 784, imageHeight: 28, imageWidth: 28);
        var network = LatentNetwork.Create(new ModelConfig(), 1);
        var problem = new LatentProblem(network, _data, 1, BinarizationMode.None);
        var adam = new Adam(network.Parameters.Length);
        _pool = new WorkerPool(Threads);
        _runner = Step == "fused" ? new FusedStep(problem, adam, 128, 64, _pool) : new ReferenceStep(problem, adam, 128);
        _order = MinibatchTrainer.EpochOrder(_data.Count, 0, 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runner.Dispose();
        _pool.Dispose();
    }

    [Benchmark]
    public double TrainingStep()
    {
        int start = _next;
        _next = (_next + 128) % _data.Count;
        return _runner.Step(new BatchContext(_order, start, 128, 0, new LossScale(1, 1))).Total;
    }
}
