using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Vae.Simd.Common;
using Vae.Simd.Tensors;

namespace Vae.Simd.Kernels;

/// <summary>
/// Softmax cross-entropy of class logits against integer labels, with its gradient in the same pass
/// (softmax − one-hot), the classifier's counterpart of <see cref="ReconstructionLosses"/>.
/// </summary>
internal static class SoftmaxCrossEntropy
{
    /// <summary>
    /// For each row r: <paramref name="rowLoss"/>[r] = −log softmax(logits[r])[labels[r]] and, unless
    /// <paramref name="gradient"/> has no rows, gradient[r] = <paramref name="gradientScale"/> · (softmax(logits[r]) − onehot(labels[r])).
    /// Returns Σ_r rowLoss[r]. Labels outside [0, classes) are rejected, naming the row.
    /// </summary>
    [MethodImpl(HotPath.Kernel)]
    public static double Evaluate(ReadOnlyMatrixSpan logits, ReadOnlySpan<int> labels, MatrixSpan gradient, float gradientScale, Span<double> rowLoss)
    {
        Shape.CheckLength(labels.Length, logits.Rows, nameof(labels));
        Shape.CheckLength(rowLoss.Length, logits.Rows, nameof(rowLoss));
        bool withGradient = gradient.Rows != 0;
        if (withGradient) Shape.CheckSame(logits, gradient, nameof(gradient));
        if (!float.IsFinite(gradientScale)) throw new ArgumentOutOfRangeException(nameof(gradientScale), gradientScale, "must be finite");
        double total = 0;
        for (int r = 0; r < logits.Rows; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)logits.Columns)
                throw new ArgumentException($"label {label} of row {r} is not one of the {logits.Columns} classes", nameof(labels));
            ReadOnlySpan<float> row = logits[r];
            double logSumExp = LogSumExp(row);
            double loss = logSumExp - row[label];
            rowLoss[r] = loss;
            total += loss;
            if (!withGradient) continue;
            Span<float> g = gradient[r];
            // softmax = exp(l − logΣexp); subtracting the log-sum-exp keeps every exponent ≤ 0.
            TensorPrimitives.Subtract(row, (float)logSumExp, g);
            TensorPrimitives.Exp(g, g);
            g[label] -= 1f;
            TensorPrimitives.Multiply(g, gradientScale, g);
        }
        return total;
    }

    /// <summary>softmax(<paramref name="logits"/>) into <paramref name="probabilities"/>, row by row.</summary>
    [MethodImpl(HotPath.Kernel)]
    public static void Softmax(ReadOnlyMatrixSpan logits, MatrixSpan probabilities)
    {
        Shape.CheckSame(logits, probabilities, nameof(probabilities));
        for (int r = 0; r < logits.Rows; r++) TensorPrimitives.SoftMax(logits[r], probabilities[r]);
    }

    /// <summary>log Σ exp(values), shifted by the maximum so that nothing overflows.</summary>
    public static double LogSumExp(ReadOnlySpan<float> values)
    {
        float max = TensorPrimitives.Max(values);
        double sum = 0;
        foreach (float v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    /// <summary>log Σ exp(values) in double: the importance-weighted estimates sum thousands of terms far apart in scale.</summary>
    public static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (double v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
