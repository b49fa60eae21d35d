using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// Linear layers with an activation after each one (optionally not after the last), named
/// like a PyTorch <c>nn.Sequential</c>: linear k is <c>prefix.{2k}</c> because each activation takes an index.
/// </summary>
public sealed class Mlp
{
    private int[] _outputSlots = [];

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

    /// <summary>Widest layer output (sizes the scratch buffers of <see cref="Backward"/>).</summary>
    public int MaxWidth => Layers.Count == 0 ? 0 : Layers.Max(l => Math.Max(l.InputSize, l.OutputSize));

    /// <summary>Declares one output buffer per layer in <paramref name="workspace"/>. Call once per workspace
    /// before using it with this MLP; the slots are the same for every workspace built in the same order.</summary>
    public void DeclareBuffers(Workspace workspace)
    {
        int[] slots = Layers.Select(l => workspace.Declare(l.OutputSize)).ToArray();
        if (_outputSlots.Length != 0 && !slots.AsSpan().SequenceEqual(_outputSlots))
            throw new InvalidOperationException("workspaces for one model must declare their buffers in the same order");
        _outputSlots = slots;
    }

    /// <summary>Layer <paramref name="layer"/>'s output for a batch of <paramref name="rows"/>.</summary>
    public MatrixSpan Output(Workspace workspace, int layer, int rows) => workspace.View(_outputSlots[layer], rows);

    private bool IsActivated(int layer) => layer < Layers.Count - 1 || ActivateLast;

    /// <summary>Runs every layer on <paramref name="x"/>; the result is <see cref="Output"/> of the last layer.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan x, Workspace workspace) => Forward(parameters, x, workspace, null);

    internal void Forward(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan x, Workspace workspace, TransposedWeights? transposed)
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            MatrixSpan y = Output(workspace, i, x.Rows);
            Layers[i].Forward(parameters, i == 0 ? x : Output(workspace, i - 1, x.Rows), y, transposed is null ? default : transposed.For(Layers[i]));
            if (IsActivated(i)) ActivationLayer.Forward(Activation, y);
        }
    }

    /// <summary>
    /// Backward from <paramref name="dOut"/> = ∂L/∂(last output), which is overwritten. Accumulates every
    /// parameter's gradient, and writes ∂L/∂x into <paramref name="dx"/> unless it has no rows.
    /// The gradients between layers go through workspace buffers <paramref name="scratch0"/> and
    /// <paramref name="scratch1"/>, each at least <see cref="MaxWidth"/> wide.
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan x, Workspace workspace, MatrixSpan dOut,
        Span<float> gradients, MatrixSpan dx, int scratch0, int scratch1)
    {
        int rows = x.Rows;
        MatrixSpan d = dOut;
        for (int i = Layers.Count - 1; i >= 0; i--)
        {
            if (IsActivated(i)) ActivationLayer.Backward(Activation, Output(workspace, i, rows), d);
            MatrixSpan dInput = i == 0 ? dx : workspace.View(i % 2 == 0 ? scratch0 : scratch1, rows, Layers[i].InputSize);
            Layers[i].Backward(parameters, i == 0 ? x : Output(workspace, i - 1, rows), d, gradients, dInput);
            d = dInput;
        }
    }
}
