using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// Linear layers whose parameters live in one flat buffer (<see cref="Parameters"/>), with a transposed copy of
/// every weight (<see cref="Transposed"/>) that the forward products read in place. The copy is the network's own
/// business: every method here that writes parameters refreshes it, and code that writes
/// <see cref="Parameters"/> directly (an optimizer) must call <see cref="ParametersChanged"/> or refresh the rows it
/// wrote. No caller outside the library ever sees the buffer, so the copy cannot go stale behind its back.
/// </summary>
internal abstract class Network
{
    /// <summary>Names, shapes and offsets of every parameter tensor.</summary>
    public ParameterLayout Layout { get; } = new();

    /// <summary>Every parameter, in <see cref="Layout"/> order.</summary>
    public float[] Parameters { get; private set; } = [];

    /// <summary>The linear layers in parameter order.</summary>
    public IReadOnlyList<Linear> Linears { get; private set; } = [];

    /// <summary>Parameters outside the linear layers (a learned per-feature log-variance), each a vector whose gradient is the
    /// column sums of a per-row matrix that the loss writes, as a bias's is of its layer's delta. Initialised to 0.</summary>
    public IReadOnlyList<ParameterTensor> Vectors { get; private set; } = [];

    /// <summary>The least value parameter vector <paramref name="vector"/> may take: the trainers clamp it after every optimizer
    /// step (a projected step), so that a floor in the loss never leaves the parameter stranded below it, with no gradient.</summary>
    public virtual float VectorMinimum(int vector) => float.NegativeInfinity;

    /// <summary>Clamps parameter vector <paramref name="vector"/> to its <see cref="VectorMinimum"/>.</summary>
    public void ProjectVector(int vector)
    {
        float min = VectorMinimum(vector);
        if (float.IsNegativeInfinity(min)) return;
        var values = Parameters.AsSpan(Vectors[vector].Offset, Vectors[vector].Length);
        System.Numerics.Tensors.TensorPrimitives.Max(values, min, values);
    }

    /// <summary>Wᵀ of every linear layer, as of the last write to <see cref="Parameters"/>.</summary>
    public TransposedWeights Transposed { get; private set; } = null!;

    /// <summary>Called by a subclass once its layers are declared: allocates the buffers and initialises them from <paramref name="seed"/>.</summary>
    protected void Complete(IReadOnlyList<Linear> linears, ulong seed, IReadOnlyList<ParameterTensor>? vectors = null)
    {
        Linears = linears;
        Vectors = vectors ?? [];
        // The parameters and their transposed copy, four bytes each.
        MemoryBudget.Require(8L * Layout.Count, $"a model of {Layout.Count:N0} parameters", "config");
        Parameters = new float[Layout.Count];
        Transposed = new TransposedWeights(linears);
        Initialize(seed);
    }

    /// <summary>Re-draws every parameter as PyTorch does: uniform ±1/√fan_in, layer by layer in <see cref="Layout"/> order;
    /// the <see cref="Vectors"/> start at 0.</summary>
    public void Initialize(ulong seed)
    {
        var random = new SeededRandom(seed);
        foreach (var layer in Linears) layer.Initialize(Parameters, random);
        foreach (var vector in Vectors) Parameters.AsSpan(vector.Offset, vector.Length).Clear();
        ParametersChanged();
    }

    /// <summary>Replaces every parameter (layout order) and refreshes the transposed weights.</summary>
    public void SetParameters(ReadOnlySpan<float> values)
    {
        Shape.CheckLength(values.Length, Parameters.Length, nameof(values));
        values.CopyTo(Parameters);
        ParametersChanged();
    }

    /// <summary>Re-transposes every weight after <see cref="Parameters"/> was written as a whole.</summary>
    public void ParametersChanged(WorkerPool? pool = null)
    {
        Transposed.Refresh(Parameters, pool);
        DerivedWeightsChanged();
    }

    /// <summary>Called when <see cref="Transposed"/> was refreshed as a whole: a subclass refreshes what it derives from it.</summary>
    protected virtual void DerivedWeightsChanged() { }
}
