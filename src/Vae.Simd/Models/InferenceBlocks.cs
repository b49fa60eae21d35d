using System.Runtime.InteropServices;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>
/// Runs an inference call on a batch block by block: in order on the calling thread, each product's columns shared among
/// the workspace's threads if it has any, or, for a batch of at least <see cref="MinRowsPerThread"/> rows per thread, shared
/// among those threads by rows, each worker taking whole blocks through the network in buffers of its own. Rows are computed
/// independently, so the results are one thread's, bit for bit. Splitting columns hands off and waits once per layer, and
/// leaves the work between the products (quantizing a row, the activations, the 20-wide head) to one thread: on a 1000-row
/// batch that scaled two threads 1.3–1.6× where rows scale them about 1.9× (benchmarks/RESULTS.md, twelfth session).
/// Running a call allocates nothing.
/// </summary>
internal sealed unsafe class InferenceBlocks : IParallelWork, IDisposable
{
    /// <summary>Fewest rows per thread for which blocks beat splitting columns. Each thread reads every weight, where a column
    /// split reads each once: at 2 and 4 rows per thread, float32 blocks took 1.6–3.2× as long (its 2.6 MB of weights come
    /// from L3), at 8 about as long; from 16 they were faster on both precisions in all but one noisy comparison (two threads,
    /// Zen 5).</summary>
    internal const int MinRowsPerThread = 16;

    private enum Call { EncodeMean, EncodeHead, Decode, Reconstruct, Sample }

    private readonly LatentNetwork _network;
    private readonly WorkerPool? _pool;
    private readonly NetworkWorkspace _caller;          // worker 0 works in the caller's workspace
    private readonly NetworkWorkspace[] _helpers;       // worker w > 0 in _helpers[w - 1]
    private readonly int _maxBlockRows;

    // The call in flight. The pool's threads cannot hold the caller's spans, so its operands are kept by address, pinned
    // by the caller for the duration of the call.
    private Call _call;
    private Operand _input, _output, _secondOutput;
    private int _rows, _blockRows;
    private WorkerPool? _columns;                     // the pool that shares each product's columns: none when rows are shared
    private NoiseSource _noise;
    private long _firstSample;

    /// <summary>For tests: runs on the worker (0 = the caller) before each block shared by rows, so that a test can hold the caller back until
    /// every helper has a block of its own, which a fast caller would otherwise take first.</summary>
    internal Action<int>? BeforeBlock { get; set; }

    /// <summary>Blocks of up to <paramref name="blockRows"/> rows for <paramref name="caller"/>'s calls, on <paramref name="pool"/>'s
    /// threads if there is one, each helper in buffers of that many rows.</summary>
    public InferenceBlocks(LatentNetwork network, NetworkWorkspace caller, WorkerPool? pool, int blockRows)
    {
        (_network, _caller, _pool) = (network, caller, pool);
        _helpers = new NetworkWorkspace[(pool?.Threads ?? 1) - 1];
        for (int w = 0; w < _helpers.Length; w++) _helpers[w] = network.CreateWorkspace(blockRows);
        _maxBlockRows = Math.Min(blockRows, caller.MaxRows);
    }

    /// <summary>True when a call on <paramref name="rows"/> rows runs in blocks on every thread.</summary>
    public bool Shares(int rows) => _pool is not null && rows >= _pool.Threads * MinRowsPerThread && _maxBlockRows >= MinRowsPerThread;

    public void EncodeMean(ReadOnlyMatrixSpan x, MatrixSpan code) => RowToRow(Call.EncodeMean, x, code);

    /// <summary>The head's first <paramref name="first"/>.Columns outputs into <paramref name="first"/> and the next ones into
    /// <paramref name="second"/> (a VAE's μ and log σ²).</summary>
    public void EncodeHead(ReadOnlyMatrixSpan x, MatrixSpan first, MatrixSpan second)
    {
        fixed (float* px = &MemoryMarshal.GetReference(x.Data), p1 = &MemoryMarshal.GetReference(first.Data), p2 = &MemoryMarshal.GetReference(second.Data))
        {
            _input = new Operand(px, x);
            _output = new Operand(p1, first);
            _secondOutput = new Operand(p2, second);
            Run(Call.EncodeHead, x.Rows);
        }
    }

    public void Decode(ReadOnlyMatrixSpan z, MatrixSpan output) => RowToRow(Call.Decode, z, output);

    public void Reconstruct(ReadOnlyMatrixSpan x, MatrixSpan output) => RowToRow(Call.Reconstruct, x, output);

    public void Sample(MatrixSpan output, NoiseSource noise, long firstSample)
    {
        fixed (float* po = &MemoryMarshal.GetReference(output.Data))
        {
            _output = new Operand(po, output);
            (_noise, _firstSample) = (noise, firstSample);
            Run(Call.Sample, output.Rows);
        }
    }

    /// <summary>A call that maps each row of <paramref name="input"/> to the same row of <paramref name="output"/>.</summary>
    private void RowToRow(Call call, ReadOnlyMatrixSpan input, MatrixSpan output)
    {
        fixed (float* pi = &MemoryMarshal.GetReference(input.Data), po = &MemoryMarshal.GetReference(output.Data))
        {
            _input = new Operand(pi, input);
            _output = new Operand(po, output);
            Run(call, input.Rows);
        }
    }

    private void Run(Call call, int rows)
    {
        try
        {
            if (!Shares(rows))
            {
                (_call, _rows, _blockRows, _columns) = (call, rows, _maxBlockRows, _pool);
                for (int block = 0; block * _blockRows < rows; block++) Execute(block, 0);
                return;
            }
            int threads = _pool!.Threads;
            // Equal shares of whole four-row tiles (the int8 kernels' height), at most a workspace's rows: a 1000-row batch on
            // two threads runs eight blocks of up to 128, a 130-row one two blocks of 68 and 62.
            int share = ((rows + threads - 1) / threads + 3) / 4 * 4;
            (_call, _rows, _blockRows, _columns) = (call, rows, Math.Min(_maxBlockRows, share), null);
            // Every block reads the weights the caller's workspace asks for (float32 ones when it asks for exact weights).
            foreach (var helper in _helpers) helper.ExactWeights = _caller.ExactWeights;
            _pool.Run(this, (rows + _blockRows - 1) / _blockRows);
        }
        finally { _input = _output = _secondOutput = default; }
    }

    public void Execute(int block, int worker)
    {
        if (_columns is null) BeforeBlock?.Invoke(worker);
        int start = block * _blockRows, count = Math.Min(_blockRows, _rows - start);
        var ws = worker == 0 ? _caller : _helpers[worker - 1];
        switch (_call)
        {
            case Call.EncodeMean: _network.EncodeMeanBlock(_input.Rows(start, count), _output.Rows(start, count), ws, _columns); break;
            case Call.EncodeHead: _network.EncodeHeadBlock(_input.Rows(start, count), _output.Rows(start, count), _secondOutput.Rows(start, count), ws, _columns); break;
            case Call.Decode: _network.DecodeBlock(_input.Rows(start, count), _output.Rows(start, count), ws, _columns); break;
            case Call.Reconstruct: _network.ReconstructBlock(_input.Rows(start, count), _output.Rows(start, count), ws, _columns); break;
            case Call.Sample: _network.SampleBlock(_output.Rows(start, count), _noise, _firstSample + start, ws, _columns); break;
        }
    }

    public void Dispose()
    {
        foreach (var helper in _helpers) helper.Dispose();
    }

    /// <summary>A matrix by address: rows <c>stride</c> floats apart.</summary>
    private readonly struct Operand(float* data, int columns, int stride)
    {
        public Operand(float* data, ReadOnlyMatrixSpan m) : this(data, m.Columns, m.Stride) { }

        public MatrixSpan Rows(int start, int count)
            => new(new Span<float>(data + (nint)start * stride, Shape.RequiredLength(count, columns, stride)), count, columns, stride);
    }
}
