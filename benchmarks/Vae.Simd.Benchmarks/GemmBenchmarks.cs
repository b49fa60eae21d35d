using Vae.Simd.Common;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Vae.Simd;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Training;

namespace Vae.Simd.Benchmarks;

/// <summary>
/// The three products of a linear layer at the canonical model's shapes (batch 128, in×out), and a
/// square 1024³ product, on each micro-kernel path and on 1 or 2 threads.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks : IFlopCounter
{
    [Params("784x400", "400x784", "400x40", "20x400", "1024x1024")]
    public string Layer { get; set; } = "784x400";

    /// <summary>The GEMM path by name (the enum is internal to the library).</summary>
    [Params("Vector512", "Vector256")]
    public string Path { get; set; } = "Vector512";

    private GemmPath Kernel => Enum.Parse<GemmPath>(Path);

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    private float[] _x = [], _w = [], _b = [], _y = [], _dy = [], _dx = [], _dw = [];
    private int _batch, _in, _out;
    private WorkerPool? _pool;

    private void Parse()
    {
        var parts = Layer.Split('x');
        _in = int.Parse(parts[0]);
        _out = int.Parse(parts[1]);
        _batch = Layer == "1024x1024" ? 1024 : 128;
    }

    public double FlopsPerInvocation(string method)
    {
        Parse();
        return 2.0 * _batch * _in * _out;
    }

    [GlobalSetup]
    public void Setup()
    {
        Parse();
        var r = new SeededRandom(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => r.NextUniform(-1, 1)).ToArray();
        _x = Fill(_batch * _in); _w = Fill(_out * _in); _b = Fill(_out); _y = new float[_batch * _out];
        _dy = Fill(_batch * _out); _dx = new float[_batch * _in]; _dw = new float[_out * _in];
        _pool = Threads > 1 ? new WorkerPool(Threads) : null;
    }

    [GlobalCleanup]
    public void Cleanup() => _pool?.Dispose();

    [Benchmark]
    public void Forward() => Gemm.LinearForward(new ReadOnlyMatrixSpan(_x, _batch, _in), new ReadOnlyMatrixSpan(_w, _out, _in), _b, new MatrixSpan(_y, _batch, _out), Kernel, _pool);

    [Benchmark]
    public void BackwardInput() => Gemm.LinearBackwardInput(new ReadOnlyMatrixSpan(_dy, _batch, _out), new ReadOnlyMatrixSpan(_w, _out, _in), new MatrixSpan(_dx, _batch, _in), Kernel, _pool);

    [Benchmark]
    public void BackwardWeight() => Gemm.LinearBackwardWeight(new ReadOnlyMatrixSpan(_dy, _batch, _out), new ReadOnlyMatrixSpan(_x, _batch, _in), new MatrixSpan(_dw, _out, _in), Kernel, _pool);
}
