using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// Linear layers with an activation after each one (optionally not after the last), named
/// like a PyTorch <c>nn.Sequential</c>: linear k is <c>prefix.{2k}</c> because each activation takes an index.
/// </summary>
internal sealed class Mlp
{
    private int[] _outputSlots = [];
    private int[] _deltaSlots = [];

    /// <summary>The linear layers in order.</summary>
    public IReadOnlyList<Linear> Layers { get; }

    /// <summary>The nonlinearity.</summary>
    public ActivationKind Activation { get; }

    /// <summary>False when the last layer's output is left linear (logits, latent heads).</summary>
    public bool ActivateLast { get; }

    /// <summary>Widths from input to output: sizes[0] → sizes[1] → …</summary>
    public Mlp(ParameterLayout layout, string prefix, IReadOnlyList<int> sizes, ActivationKind activation, bool activateLast)
    {
        var layers = new Linear[Math.Max(sizes.Count - 1, 0)];
        for (int i = 0; i < layers.Length; i++) layers[i] = new Linear(layout, $"{prefix}.{2 * i}", sizes[i], sizes[i + 1]);
        Layers = layers;
        Activation = activation;
        ActivateLast = activateLast;
    }

    /// <summary>Declares an output and a delta buffer per layer in <paramref name="workspace"/>. Call once per workspace
    /// before using it with this MLP; the slots are the same for every workspace built in the same order.</summary>
    public void DeclareBuffers(Workspace workspace)
    {
        int[] outputs = Layers.Select(l => workspace.Declare(l.OutputSize)).ToArray();
        int[] deltas = Layers.Select(l => workspace.Declare(l.OutputSize)).ToArray();
        if (_outputSlots.Length != 0 && (!outputs.AsSpan().SequenceEqual(_outputSlots) || !deltas.AsSpan().SequenceEqual(_deltaSlots)))
            throw new InvalidOperationException("workspaces for one model must declare their buffers in the same order");
        _outputSlots = outputs;
        _deltaSlots = deltas;
    }

    /// <summary>Layer <paramref name="layer"/>'s output for a batch of <paramref name="rows"/>.</summary>
    public MatrixSpan Output(Workspace workspace, int layer, int rows) => workspace.View(_outputSlots[layer], rows);

    /// <summary>∂L/∂(layer <paramref name="layer"/>'s pre-activation output), left by <see cref="BackwardDeltas"/>.</summary>
    public MatrixSpan Delta(Workspace workspace, int layer, int rows) => workspace.View(_deltaSlots[layer], rows);

    private bool IsActivated(int layer) => layer < Layers.Count - 1 || ActivateLast;

    /// <summary>Runs every layer on <paramref name="x"/>, reading the weights' transposed copies from <paramref name="transposed"/>;
    /// the result is <see cref="Output"/> of the last layer. With a pool, each product's columns are shared among its threads.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan x, Workspace workspace, TransposedWeights transposed, WorkerPool? pool = null)
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            MatrixSpan y = Output(workspace, i, x.Rows);
            Layers[i].Forward(parameters, i == 0 ? x : Output(workspace, i - 1, x.Rows), y, transposed, pool);
            if (IsActivated(i)) ActivationLayer.Forward(Activation, y);
        }
    }

    /// <summary>
    /// The first half of backward: given ∂L/∂(last layer's output) in <see cref="Delta"/> of the last layer, turns
    /// it into ∂L/∂(pre-activation) and fills the deltas of every earlier layer; writes ∂L/∂x = Δ₀·W₀ into
    /// <paramref name="dx"/> unless it has no rows. The parameter gradients follow from the deltas
    /// (<see cref="Linear.BackwardParameters"/>), whenever the caller chooses.
    /// </summary>
    public void BackwardDeltas(ReadOnlySpan<float> parameters, Workspace workspace, int rows, MatrixSpan dx)
    {
        for (int i = Layers.Count - 1; i >= 0; i--)
        {
            MatrixSpan delta = Delta(workspace, i, rows);
            if (IsActivated(i)) ActivationLayer.Backward(Activation, Output(workspace, i, rows), delta);
            if (i > 0) Layers[i].BackwardInput(parameters, delta, Delta(workspace, i - 1, rows));
            else if (dx.Rows != 0) Layers[i].BackwardInput(parameters, delta, dx);
        }
    }
}
