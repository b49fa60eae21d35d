using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// Wᵀ [in, out] copies of linear layers' weights. The forward product y = x·Wᵀ then reads its right
/// operand row by row in place, instead of every call (and every shard) packing W's transpose anew.
/// The <see cref="Network"/> that owns the parameters refreshes the copies whenever they change; the trainer refreshes
/// each block of weight rows right after its optimizer update, while the rows are still in cache.
/// A bfloat16 copy (<see cref="RoundedFrom"/>) holds the same matrices rounded to bfloat16: as float32 values, which the
/// blocked GEMM reads, and packed in pairs (<see cref="PairsFor"/>), which the few-row GEMV reads at half the bytes.
/// </summary>
internal sealed class TransposedWeights : IParallelWork
{
    private const int RowsPerItem = 64;
    private readonly Dictionary<Linear, int> _offsets = [];
    private readonly (Linear Layer, int RowStart)[] _items;
    private readonly Dictionary<Linear, int> _pairOffsets = [];
    private readonly CacheAlignedFloats _data;
    private readonly uint[] _pairs;
    private float[] _source = [];

    /// <summary>Float32 copies of <paramref name="layers"/>' Wᵀ; with <paramref name="bfloat16"/>, rounded copies and their
    /// packed pairs, filled by <see cref="RoundedFrom"/>.</summary>
    public TransposedWeights(IEnumerable<Linear> layers, bool bfloat16 = false)
    {
        int length = 0, pairLength = 0;
        var items = new List<(Linear, int)>();
        foreach (var layer in layers)
        {
            _offsets[layer] = length;
            // Each Wᵀ starts on a cache line: the GEMM reads its rows in place.
            length += CacheAlignedFloats.RoundUpToLine(layer.Weight.Length);
            _pairOffsets[layer] = pairLength;
            pairLength += (layer.InputSize + 1) / 2 * layer.OutputSize;
            for (int r = 0; r < layer.OutputSize; r += RowsPerItem) items.Add((layer, r));
        }
        _items = items.ToArray();
        _data = new CacheAlignedFloats(length);
        _pairs = bfloat16 ? new uint[pairLength] : [];
        IsBFloat16 = bfloat16;
    }

    /// <summary>True for a bfloat16 copy.</summary>
    public bool IsBFloat16 { get; }

    /// <summary><paramref name="layer"/>'s Wᵀ in bfloat16 pairs; empty unless <see cref="IsBFloat16"/>.</summary>
    public BFloat16Pairs PairsFor(Linear layer)
        => IsBFloat16 ? new(_pairs.AsSpan(_pairOffsets[layer], (layer.InputSize + 1) / 2 * layer.OutputSize), layer.InputSize, layer.OutputSize, layer.OutputSize) : default;

    /// <summary>Fills this bfloat16 copy from the float32 <paramref name="exact"/> (same layers): every element rounded to the
    /// nearest bfloat16, kept both as float32 and packed in pairs.</summary>
    public void RoundedFrom(TransposedWeights exact)
    {
        if (!IsBFloat16 || exact.IsBFloat16 || exact._data.Length != _data.Length)
            throw new InvalidOperationException("a bfloat16 copy is rounded from the float32 copy of the same layers");
        foreach (var (layer, offset) in _offsets)
        {
            int k = layer.InputSize, n = layer.OutputSize;
            ReadOnlySpan<float> source = exact._data.Slice(offset, k * n);
            Span<float> rounded = _data.Slice(offset, k * n);
            Span<uint> pairs = _pairs.AsSpan(_pairOffsets[layer], (k + 1) / 2 * n);
            for (int i = 0; i < k; i++)
            {
                Span<uint> pairRow = pairs.Slice(i / 2 * n, n);
                int shift = (i & 1) * 16;
                for (int j = 0; j < n; j++)
                {
                    ushort bits = BFloat16.ToBits(source[i * n + j]);
                    rounded[i * n + j] = BFloat16.Widen(bits);
                    pairRow[j] = (i & 1) == 0 ? bits : pairRow[j] | ((uint)bits << shift);
                }
            }
        }
    }

    /// <summary>Wᵀ [in, out] of <paramref name="layer"/> as it was at the last refresh.</summary>
    public ReadOnlyMatrixSpan For(Linear layer) => new(_data.Slice(_offsets[layer], layer.Weight.Length), layer.InputSize, layer.OutputSize);

    /// <summary>Re-transposes every weight from <paramref name="parameters"/>, shared among the pool's threads.</summary>
    public void Refresh(float[] parameters, WorkerPool? pool)
    {
        if (IsBFloat16) throw new InvalidOperationException("a bfloat16 copy is refreshed by rounding the float32 one");
        _source = parameters;
        if (pool is null) for (int i = 0; i < _items.Length; i++) Execute(i, 0);
        else pool.Run(this, _items.Length);
    }

    public void Execute(int item, int worker)
    {
        var (layer, rowStart) = _items[item];
        RefreshRows(layer, rowStart, Math.Min(RowsPerItem, layer.OutputSize - rowStart), _source);
    }

    /// <summary>Re-transposes rows [rowStart, rowStart + rowCount) of <paramref name="layer"/>'s weight: the
    /// optimizer calls this right after updating those rows, while they are still in cache.</summary>
    public void RefreshRows(Linear layer, int rowStart, int rowCount, ReadOnlySpan<float> parameters)
    {
        if (IsBFloat16) throw new InvalidOperationException("a bfloat16 copy is refreshed by rounding the float32 one");
        var target = new MatrixSpan(_data.Slice(_offsets[layer], layer.Weight.Length), layer.InputSize, layer.OutputSize);
        Transpose.Rows(layer.WeightSpan(parameters), target, rowStart, rowCount);
    }
}
