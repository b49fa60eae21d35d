using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// Wᵀ [in, out] copies of linear layers' weights. The forward product y = x·Wᵀ then reads its right
/// operand row by row in place, instead of every call (and every shard) packing W's transpose anew.
/// The <see cref="Network"/> that owns the parameters refreshes the copies whenever they change; the trainer refreshes
/// each block of weight rows right after its optimizer update, while the rows are still in cache.
/// </summary>
internal sealed class TransposedWeights : IParallelWork
{
    private const int RowsPerItem = 64;
    private readonly Dictionary<Linear, int> _offsets = [];
    private readonly (Linear Layer, int RowStart)[] _items;
    private readonly float[] _data;
    private float[] _source = [];

    public TransposedWeights(IEnumerable<Linear> layers)
    {
        int length = 0;
        var items = new List<(Linear, int)>();
        foreach (var layer in layers)
        {
            _offsets[layer] = length;
            length += layer.Weight.Length;
            for (int r = 0; r < layer.OutputSize; r += RowsPerItem) items.Add((layer, r));
        }
        _items = items.ToArray();
        _data = new float[length];
    }

    /// <summary>Wᵀ [in, out] of <paramref name="layer"/> as it was at the last refresh.</summary>
    public ReadOnlyMatrixSpan For(Linear layer) => new(_data.AsSpan(_offsets[layer], layer.Weight.Length), layer.InputSize, layer.OutputSize);

    /// <summary>Re-transposes every weight from <paramref name="parameters"/>, shared among the pool's threads.</summary>
    public void Refresh(float[] parameters, WorkerPool? pool)
    {
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
        var target = new MatrixSpan(_data.AsSpan(_offsets[layer], layer.Weight.Length), layer.InputSize, layer.OutputSize);
        Transpose.Rows(layer.WeightSpan(parameters), target, rowStart, rowCount);
    }
}
