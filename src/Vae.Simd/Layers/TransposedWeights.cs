using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// Wᵀ [in, out] copies of linear layers' weights. The forward product y = x·Wᵀ then reads its right
/// operand row by row in place, instead of every call (and every shard) packing W's transpose anew.
/// The <see cref="Network"/> that owns the parameters refreshes the copies whenever they change; the trainer refreshes
/// each block of weight rows right after its optimizer update, while the rows are still in cache.
/// A bfloat16 copy (<see cref="RoundedFrom"/>) holds the same matrices rounded to bfloat16: as float32 values, which the
/// blocked GEMM reads, and packed in pairs (<see cref="PairsFor"/>), which the few-row GEMV reads at half the bytes. An int8
/// copy holds them quantized column by column (<see cref="Int8For"/>), which <see cref="GemvInt8"/> reads for every batch.
/// </summary>
internal sealed class TransposedWeights : IParallelWork
{
    private const int RowsPerItem = 64;
    private readonly Dictionary<Linear, int> _offsets = [];
    private readonly (Linear Layer, int RowStart)[] _items;
    private readonly Dictionary<Linear, int> _pairOffsets = [];
    private readonly CacheAlignedFloats _data;
    private readonly uint[] _pairs;
    private readonly Dictionary<Linear, (int Words, int Columns)> _int8Offsets = [];
    private readonly uint[] _int8Words;
    private readonly float[] _int8Scales;
    private readonly int[] _int8Sums;
    private float[] _source = [];

    /// <summary>Float32 copies of <paramref name="layers"/>' Wᵀ; with <see cref="InferencePrecision.BFloat16"/>, rounded copies
    /// and their packed pairs, or with <see cref="InferencePrecision.Int8"/> quantized copies only, filled by <see cref="RoundedFrom"/>.</summary>
    public TransposedWeights(IEnumerable<Linear> layers, InferencePrecision precision = InferencePrecision.Float32)
    {
        int length = 0, pairLength = 0, wordLength = 0, columnLength = 0;
        var items = new List<(Linear, int)>();
        foreach (var layer in layers)
        {
            _offsets[layer] = length;
            // Each Wᵀ starts on a cache line: the GEMM reads its rows in place.
            length += CacheAlignedFloats.RoundUpToLine(layer.Weight.Length);
            _pairOffsets[layer] = pairLength;
            pairLength += (layer.InputSize + 1) / 2 * layer.OutputSize;
            _int8Offsets[layer] = (wordLength, columnLength);
            wordLength += Int8Columns.QuadRows(layer.InputSize) * layer.OutputSize;
            columnLength += layer.OutputSize;
            for (int r = 0; r < layer.OutputSize; r += RowsPerItem) items.Add((layer, r));
        }
        Precision = precision;
        _items = items.ToArray();
        // An int8 copy keeps no float32 values: only its quarter-size words are read.
        _data = new CacheAlignedFloats(IsInt8 ? 0 : length);
        _pairs = IsBFloat16 ? new uint[pairLength] : [];
        _int8Words = IsInt8 ? new uint[wordLength] : [];
        _int8Scales = IsInt8 ? new float[columnLength] : [];
        _int8Sums = IsInt8 ? new int[columnLength] : [];
    }

    /// <summary>What this copy holds: the float32 weights, or a bfloat16 or int8 copy of them.</summary>
    public InferencePrecision Precision { get; }

    /// <summary>True for a bfloat16 copy.</summary>
    public bool IsBFloat16 => Precision == InferencePrecision.BFloat16;

    /// <summary>True for an int8 copy, which only <see cref="Int8For"/> reads.</summary>
    public bool IsInt8 => Precision == InferencePrecision.Int8;

    /// <summary><paramref name="layer"/>'s Wᵀ quantized to int8; empty unless <see cref="IsInt8"/>.</summary>
    public Int8Columns Int8For(Linear layer)
    {
        if (!IsInt8) return default;
        var (words, columns) = _int8Offsets[layer];
        int n = layer.OutputSize;
        return new(_int8Words.AsSpan(words, Int8Columns.QuadRows(layer.InputSize) * n), _int8Scales.AsSpan(columns, n), _int8Sums.AsSpan(columns, n), layer.InputSize, n, n);
    }

    /// <summary><paramref name="layer"/>'s Wᵀ in bfloat16 pairs; empty unless <see cref="IsBFloat16"/>.</summary>
    public BFloat16Pairs PairsFor(Linear layer)
        => IsBFloat16 ? new(_pairs.AsSpan(_pairOffsets[layer], (layer.InputSize + 1) / 2 * layer.OutputSize), layer.InputSize, layer.OutputSize, layer.OutputSize) : default;

    /// <summary>Fills this copy from the float32 <paramref name="exact"/> (same layers): a bfloat16 copy rounds every element
    /// to the nearest bfloat16, kept both as float32 and packed in pairs; an int8 copy quantizes each column of each Wᵀ
    /// (<see cref="GemvInt8.QuantizeColumns"/>).</summary>
    public void RoundedFrom(TransposedWeights exact)
    {
        if (Precision == InferencePrecision.Float32 || exact.Precision != InferencePrecision.Float32 || exact._items.Length != _items.Length)
            throw new InvalidOperationException("a bfloat16 or int8 copy is made from the float32 copy of the same layers");
        if (IsInt8)
        {
            foreach (var (layer, offset) in exact._offsets)
            {
                var (words, columns) = _int8Offsets[layer];
                int k = layer.InputSize, n = layer.OutputSize;
                GemvInt8.QuantizeColumns(exact._data.Slice(offset, k * n), k, n, _int8Words.AsSpan(words, Int8Columns.QuadRows(k) * n),
                    _int8Scales.AsSpan(columns, n), _int8Sums.AsSpan(columns, n));
            }
            return;
        }
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

    /// <summary>Wᵀ [in, out] of <paramref name="layer"/> as it was at the last refresh (none in an int8 copy).</summary>
    public ReadOnlyMatrixSpan For(Linear layer) => IsInt8 ? throw new InvalidOperationException("an int8 copy holds no float32 weights") : new(_data.Slice(_offsets[layer], layer.Weight.Length), layer.InputSize, layer.OutputSize);

    /// <summary>Re-transposes every weight from <paramref name="parameters"/>, shared among the pool's threads.</summary>
    public void Refresh(float[] parameters, WorkerPool? pool)
    {
        if (Precision != InferencePrecision.Float32) throw new InvalidOperationException("a bfloat16 or int8 copy is refreshed from the float32 one");
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
        if (Precision != InferencePrecision.Float32) throw new InvalidOperationException("a bfloat16 or int8 copy is refreshed from the float32 one");
        var target = new MatrixSpan(_data.Slice(_offsets[layer], layer.Weight.Length), layer.InputSize, layer.OutputSize);
        Transpose.Rows(layer.WeightSpan(parameters), target, rowStart, rowCount);
    }
}
