namespace Vae.Simd.Layers;

/// <summary>One named parameter tensor inside a model's single flat parameter buffer.</summary>
/// <param name="Name">PyTorch-style name, e.g. <c>encoder.0.weight</c>.</param>
/// <param name="Offset">Index of its first element in the flat buffer.</param>
/// <param name="Shape">Its dimensions: [out, in] for a weight, [out] for a bias.</param>
internal sealed record ParameterTensor(string Name, int Offset, int[] Shape)
{
    /// <summary>Number of elements.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// Assigns every parameter a slice of one flat buffer. Keeping all parameters (and, in the same
/// layout, all gradients) contiguous lets the optimizer, the gradient reduction and checkpoints
/// each run as one pass over one span.
/// </summary>
internal sealed class ParameterLayout
{
    private readonly List<ParameterTensor> _tensors = [];

    /// <summary>Total number of scalar parameters.</summary>
    public int Count { get; private set; }

    /// <summary>The tensors in buffer order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>Reserves a tensor of the given shape and returns its slice.</summary>
    public ParameterTensor Add(string name, params int[] shape)
    {
        if (_tensors.Any(t => t.Name == name)) throw new ArgumentException($"parameter '{name}' is declared twice", nameof(name));
        var tensor = new ParameterTensor(name, Count, shape);
        _tensors.Add(tensor);
        Count = checked(Count + tensor.Length);
        return tensor;
    }

    /// <summary>The tensor called <paramref name="name"/>, or null.</summary>
    public ParameterTensor? Find(string name) => _tensors.FirstOrDefault(t => t.Name == name);
}
