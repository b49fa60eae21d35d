using BenchmarkDotNet.Attributes;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Benchmarks;

/// <summary>The three products of a linear layer at the canonical model's shapes (batch 128).
/// GFLOP/s = 2·B·in·out / time.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    [Params("784x400", "400x784", "400x40", "20x400")]
    public string Layer { get; set; } = "784x400";

    [Params(GemmPath.Vector512, GemmPath.Vector256)]
    public GemmPath Path { get; set; }

    private const int Batch = 128;
    private float[] _x = [], _w = [], _b = [], _y = [], _dy = [], _dx = [], _dw = [];
    private int _in, _out;

    [GlobalSetup]
    public void Setup()
    {
        var parts = Layer.Split('x');
        _in = int.Parse(parts[0]);
        _out = int.Parse(parts[1]);
        var r = new SeededRandom(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => r.NextUniform(-1, 1)).ToArray();
        _x = Fill(Batch * _in); _w = Fill(_out * _in); _b = Fill(_out); _y = new float[Batch * _out];
        _dy = Fill(Batch * _out); _dx = new float[Batch * _in]; _dw = new float[_out * _in];
    }

    [Benchmark]
    public void Forward() => Gemm.LinearForward(new ReadOnlyMatrixSpan(_x, Batch, _in), new ReadOnlyMatrixSpan(_w, _out, _in), _b, new MatrixSpan(_y, Batch, _out), Path);

    [Benchmark]
    public void BackwardInput() => Gemm.LinearBackwardInput(new ReadOnlyMatrixSpan(_dy, Batch, _out), new ReadOnlyMatrixSpan(_w, _out, _in), new MatrixSpan(_dx, Batch, _in), Path);

    [Benchmark]
    public void BackwardWeight() => Gemm.LinearBackwardWeight(new ReadOnlyMatrixSpan(_dy, Batch, _out), new ReadOnlyMatrixSpan(_x, Batch, _in), new MatrixSpan(_dw, _out, _in), Path);
}
