using BenchmarkDotNet.Attributes;
using Vae.Simd;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Benchmarks;

/// <summary>Reconstruct (encode μ, decode), encode and decode with caller-supplied buffers, at batch 1 and 1000, reading
/// float32 weights, their bfloat16 rounding or their int8 quantization (<see cref="InferencePrecision"/>), on noise or on
/// MNIST's test images (<see cref="InferenceInput"/>).</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    [Params(1, 1000)]
    public int Batch { get; set; } = 1;

    [Params(InferencePrecision.Float32, InferencePrecision.BFloat16, InferencePrecision.Int8)]
    public InferencePrecision Precision { get; set; }

    [Params(InferenceInput.Uniform, InferenceInput.MnistTest)]
    public InferenceInput Input { get; set; }

    private VariationalNetwork _model = null!;
    private NetworkWorkspace _workspace = null!;
    private float[] _x = [], _out = [], _mu = [], _logVar = [];

    [GlobalSetup]
    public void Setup()
    {
        _model = new VariationalNetwork(new ModelConfig(), 1);
        _model.SetInferencePrecision(Precision);
        _workspace = _model.CreateWorkspace(Batch);
        _x = InferenceInputs.Images(Input, Batch);
        _out = new float[Batch * 784];
        _mu = new float[Batch * 20];
        _logVar = new float[Batch * 20];
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace.Dispose();

    [Benchmark]
    public void Reconstruct() => _model.Reconstruct(new ReadOnlyMatrixSpan(_x, Batch, 784), new MatrixSpan(_out, Batch, 784), _workspace);

    [Benchmark]
    public void Encode() => _model.Encode(new ReadOnlyMatrixSpan(_x, Batch, 784), new MatrixSpan(_mu, Batch, 20), new MatrixSpan(_logVar, Batch, 20), _workspace);

    [Benchmark]
    public void Decode() => _model.Decode(new ReadOnlyMatrixSpan(_mu, Batch, 20), new MatrixSpan(_out, Batch, 784), _workspace);
}
