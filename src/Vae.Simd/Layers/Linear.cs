using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Tensors;

namespace Vae.Simd.Layers;

/// <summary>
/// A fully connected layer y = x·Wᵀ + b with W stored [out, in], as in PyTorch. The layer owns
/// no numbers: it knows where its weight and bias live in a flat parameter buffer, and the
/// caller passes that buffer (shared, read-only, by all workers), the transposed copy of W that its
/// <see cref="Network"/> keeps, and a gradient buffer of the same layout.
/// </summary>
internal sealed class Linear
{
    /// <summary>Width of the input.</summary>
    public int InputSize { get; }

    /// <summary>Width of the output.</summary>
    public int OutputSize { get; }

    /// <summary>Where W [out, in] lives.</summary>
    public ParameterTensor Weight { get; }

    /// <summary>Where b [out] lives.</summary>
    public ParameterTensor Bias { get; }

    /// <summary>Declares the layer's two tensors, <paramref name="name"/>.weight and <paramref name="name"/>.bias, in <paramref name="layout"/>.</summary>
    public Linear(ParameterLayout layout, string name, int inputSize, int outputSize)
        : this(layout.Add(name + ".weight", Positive(outputSize, name), Positive(inputSize, name)), layout.Add(name + ".bias", outputSize)) { }

    /// <summary>A layer over tensors already declared: W [out, in] and b [out]. Two heads whose weights
    /// and biases were declared back to back can thus run as one wider layer.</summary>
    public Linear(ParameterTensor weight, ParameterTensor bias)
    {
        if (weight.Shape.Length != 2 || bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0])
            throw new ArgumentException($"weight [{string.Join(", ", weight.Shape)}] and bias [{string.Join(", ", bias.Shape)}] do not form a linear layer", nameof(bias));
        Weight = weight;
        Bias = bias;
        OutputSize = weight.Shape[0];
        InputSize = weight.Shape[1];
    }

    private static int Positive(int size, string name)
        => size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size), size, $"layer '{name}' needs positive sizes");

    /// <summary>PyTorch's default: W and b uniform in ±1/√in.</summary>
    public void Initialize(Span<float> parameters, SeededRandom random)
    {
        float bound = 1f / MathF.Sqrt(InputSize);
        foreach (ref float w in WeightSpan(parameters).Data) w = random.NextUniform(-bound, bound);
        foreach (ref float b in parameters.Slice(Bias.Offset, OutputSize)) b = random.NextUniform(-bound, bound);
    }

    /// <summary>y = x·Wᵀ + b for x [B, in] and y [B, out], reading the layer's Wᵀ [in, out] from <paramref name="weights"/> (the
    /// network's float32 copy, its bfloat16 rounding, or its int8 quantization) in place. Each output row depends only on its input row.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan x, MatrixSpan y, TransposedWeights weights, WorkerPool? pool = null)
        => ForwardColumns(parameters, x, y, OutputSize, weights, pool);

    /// <summary>The first <paramref name="columns"/> outputs of <see cref="Forward"/> alone, into y [B, columns] (a VAE's μ
    /// without its log σ²): each output is computed as in the whole forward.</summary>
    public void ForwardColumns(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan x, MatrixSpan y, int columns, TransposedWeights weights, WorkerPool? pool = null)
    {
        if (x.Columns != InputSize)
            throw new ArgumentException($"x has shape {x.ToString()} but the layer takes {InputSize} inputs", nameof(x));
        if ((uint)columns > (uint)OutputSize)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, $"the layer has {OutputSize} outputs");
        var bias = parameters.Slice(Bias.Offset, columns);
        if (weights.IsInt8)
        {
            GemvInt8.Forward(x, weights.Int8For(this).SliceColumns(0, columns), bias, y, pool);
            return;
        }
        BFloat16Pairs pairs = weights.PairsFor(this);
        Gemm.LinearForwardTransposed(x, weights.For(this).SliceColumns(0, columns), pairs.IsEmpty ? default : pairs.SliceColumns(0, columns), bias, y, pool);
    }

    /// <summary>
    /// Given dy = ∂L/∂y: accumulates ∂L/∂W += dyᵀ·x and ∂L/∂b += Σ_rows dy into <paramref name="gradients"/>,
    /// and, unless <paramref name="dx"/> has no rows (the first layer needs no input gradient), writes dx = dy·W.
    /// It is the two halves below, which a model may also run at different times.
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan dy, Span<float> gradients, MatrixSpan dx)
    {
        BackwardParameters(x, dy, gradients, GradientUpdate.Accumulate);
        if (dx.Rows != 0) BackwardInput(parameters, dy, dx);
    }

    /// <summary>dx = dy·W: the gradient that flows on to the layer below.</summary>
    public void BackwardInput(ReadOnlySpan<float> parameters, ReadOnlyMatrixSpan dy, MatrixSpan dx)
        => Gemm.LinearBackwardInput(dy, WeightSpan(parameters), dx);

    /// <summary>∂L/∂W = dyᵀ·x and ∂L/∂b = Σ_rows dy, added to <paramref name="gradients"/> or, with
    /// <see cref="GradientUpdate.Overwrite"/>, written over whatever it held.</summary>
    public void BackwardParameters(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan dy, Span<float> gradients, GradientUpdate update)
    {
        BackwardWeightRows(x, dy, 0, OutputSize, WeightSpan(gradients), update);
        BackwardBias(dy, gradients.Slice(Bias.Offset, OutputSize), update);
    }

    /// <summary>Rows [rowStart, rowStart + rows) of ∂L/∂W = dyᵀ·x into <paramref name="dWeightRows"/> [rows, in]:
    /// a block of the weight gradient, so an optimizer can consume it while it is still in cache.</summary>
    public void BackwardWeightRows(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan dy, int rowStart, int rows, MatrixSpan dWeightRows, GradientUpdate update)
    {
        ReadOnlyMatrixSpan dyRows = dy.SliceColumns(rowStart, rows);
        if (update == GradientUpdate.Overwrite) Gemm.LinearWeightGradient(dyRows, x, dWeightRows);
        else Gemm.LinearBackwardWeight(dyRows, x, dWeightRows);
    }

    /// <summary>∂L/∂b = Σ_rows dy, added or written.</summary>
    public void BackwardBias(ReadOnlyMatrixSpan dy, Span<float> dBias, GradientUpdate update)
    {
        if (update == GradientUpdate.Overwrite) Gemm.ColumnSums(dy, dBias);
        else Gemm.AccumulateColumnSums(dy, dBias);
    }

    /// <summary>W as a matrix view of <paramref name="buffer"/> (parameters or gradients).</summary>
    public MatrixSpan WeightSpan(Span<float> buffer) => new(buffer.Slice(Weight.Offset, Weight.Length), OutputSize, InputSize);

    /// <inheritdoc cref="WeightSpan(Span{float})"/>
    public ReadOnlyMatrixSpan WeightSpan(ReadOnlySpan<float> buffer) => new(buffer.Slice(Weight.Offset, Weight.Length), OutputSize, InputSize);
}
