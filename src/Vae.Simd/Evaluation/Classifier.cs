using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;

namespace Vae.Simd.Evaluation;

/// <summary>
/// A ReLU MLP over images that ends in class logits: the judge of generated samples. Its last hidden layer
/// is the feature space of the "MNIST FID" (<see cref="FrechetDistance"/>), its softmax gives the entropy of a
/// sample's class. Built from the same layers and kernels as the autoencoders; trained by <see cref="ClassifierTrainer"/>.
/// </summary>
internal sealed class Classifier : Network
{
    /// <summary>Widths from input to classes, e.g. [784, 512, 256, 10].</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Pixels per image.</summary>
    public int InputSize => Sizes[0];

    /// <summary>Number of classes.</summary>
    public int Classes => Sizes[^1];

    /// <summary>Width of the feature layer (the last hidden layer, after its ReLU).</summary>
    public int FeatureSize => Sizes[^2];

    /// <summary>The layers (<c>classifier.{2k}.weight|bias</c>).</summary>
    internal Mlp Body { get; }

    /// <summary>A classifier with the given widths (input, at least one hidden layer, classes), initialised as PyTorch does.</summary>
    public Classifier(IReadOnlyList<int> sizes, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count < 3)
            throw new ArgumentException($"a classifier needs an input width, at least one hidden width and a class count; got [{string.Join(", ", sizes)}]", nameof(sizes));
        if (sizes.Any(s => s <= 0)) throw new ArgumentException($"every width must be positive; got [{string.Join(", ", sizes)}]", nameof(sizes));
        if (sizes[^1] < 2) throw new ArgumentException($"a classifier needs at least 2 classes; got {sizes[^1]}", nameof(sizes));
        Sizes = sizes.ToArray();
        Body = new Mlp(Layout, "classifier", Sizes, ActivationKind.ReLU, activateLast: false);
        Complete(Body.Layers, seed);
    }

    /// <summary>Buffers for batches of up to <paramref name="maxRows"/> images; with <paramref name="threads"/> &gt; 1
    /// inference shares each product among that many threads (results do not depend on it).</summary>
    public ClassifierWorkspace CreateWorkspace(int maxRows, int threads = 1)
    {
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread is needed");
        var buffers = new Workspace(maxRows);
        Body.DeclareBuffers(buffers);
        int rowLoss = buffers.DeclareRowDoubles();
        buffers.Allocate();
        return new ClassifierWorkspace(this, buffers, rowLoss, threads > 1 ? new WorkerPool(threads) : null);
    }

    /// <summary>Σ over the batch of the cross-entropy −log p(label | x), with every layer's delta (for a loss scaled by
    /// <paramref name="gradientScale"/>) left in the workspace: the first half of a training step.</summary>
    public double ComputeLossAndDeltas(ReadOnlyMatrixSpan x, ReadOnlySpan<int> labels, float gradientScale, ClassifierWorkspace workspace)
    {
        int rows = CheckBatch(x, workspace);
        Shape.CheckLength(labels.Length, rows, nameof(labels));
        var buffers = workspace.Buffers;
        int last = Body.Layers.Count - 1;
        Body.Forward(Parameters, x, buffers, Transposed);
        double loss = SoftmaxCrossEntropy.Evaluate(Body.Output(buffers, last, rows), labels, Body.Delta(buffers, last, rows), gradientScale,
            buffers.RowDoubles(workspace.RowLoss, rows));
        Body.BackwardDeltas(Parameters, buffers, rows, default);
        return loss;
    }

    /// <summary>The same loss, and its gradient (scale 1) written into <paramref name="gradients"/> (layout <see cref="Network.Layout"/>) whatever it held.</summary>
    public double ComputeLossAndGradients(ReadOnlyMatrixSpan x, ReadOnlySpan<int> labels, ClassifierWorkspace workspace, Span<float> gradients)
    {
        Shape.CheckLength(gradients.Length, Parameters.Length, nameof(gradients));
        double loss = ComputeLossAndDeltas(x, labels, 1f, workspace);
        for (int i = 0; i < Body.Layers.Count; i++)
            Body.Layers[i].BackwardParameters(LayerInput(i, x, workspace), LayerDelta(i, workspace, x.Rows), gradients, GradientUpdate.Overwrite);
        return loss;
    }

    /// <summary>The input of linear layer <paramref name="layer"/> in the last forward pass (x for the first).</summary>
    internal ReadOnlyMatrixSpan LayerInput(int layer, ReadOnlyMatrixSpan x, ClassifierWorkspace workspace)
        => layer == 0 ? x : Body.Output(workspace.Buffers, layer - 1, x.Rows);

    /// <summary>The delta of linear layer <paramref name="layer"/> from the last backward pass.</summary>
    internal ReadOnlyMatrixSpan LayerDelta(int layer, ClassifierWorkspace workspace, int rows) => Body.Delta(workspace.Buffers, layer, rows);

    /// <summary>Class probabilities of each image, [rows, <see cref="Classes"/>]. Any number of rows.</summary>
    public void Predict(ReadOnlyMatrixSpan x, MatrixSpan probabilities, ClassifierWorkspace workspace)
        => FeaturesAndPredictions(x, default, probabilities, workspace);

    /// <summary>The feature layer (last hidden activations) of each image, [rows, <see cref="FeatureSize"/>]. Any number of rows.</summary>
    public void Features(ReadOnlyMatrixSpan x, MatrixSpan features, ClassifierWorkspace workspace)
        => FeaturesAndPredictions(x, features, default, workspace);

    /// <summary>Both outputs of one forward pass; either may have no rows to skip it.</summary>
    public void FeaturesAndPredictions(ReadOnlyMatrixSpan x, MatrixSpan features, MatrixSpan probabilities, ClassifierWorkspace workspace)
    {
        CheckBatch(x.SliceRows(0, Math.Min(x.Rows, workspace.MaxRows)), workspace);
        if (features.Rows != 0 || features.Columns != 0) Shape.Check(features, x.Rows, FeatureSize, nameof(features));
        if (probabilities.Rows != 0 || probabilities.Columns != 0) Shape.Check(probabilities, x.Rows, Classes, nameof(probabilities));
        Guard.Finite(x, nameof(x));
        var buffers = workspace.Buffers;
        int last = Body.Layers.Count - 1;
        for (int start = 0; start < x.Rows; start += workspace.MaxRows)
        {
            int count = Math.Min(workspace.MaxRows, x.Rows - start);
            Body.Forward(Parameters, x.SliceRows(start, count), buffers, Transposed, workspace.Pool);
            if (features.Rows != 0) Body.Output(buffers, last - 1, count).CopyTo(features.SliceRows(start, count));
            if (probabilities.Rows != 0) SoftmaxCrossEntropy.Softmax(Body.Output(buffers, last, count), probabilities.SliceRows(start, count));
        }
    }

    /// <summary>The fraction of images whose most probable class is their label.</summary>
    public double Accuracy(ReadOnlyMatrixSpan x, ReadOnlySpan<int> labels, ClassifierWorkspace workspace)
    {
        Shape.CheckLength(labels.Length, x.Rows, nameof(labels));
        using var probabilities = new Matrix(x.Rows, Classes);
        Predict(x, probabilities.AsSpan(), workspace);
        int correct = 0;
        var p = probabilities.AsReadOnlySpan();
        for (int r = 0; r < x.Rows; r++)
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(p[r]) == labels[r]) correct++;
        return x.Rows == 0 ? 0 : (double)correct / x.Rows;
    }

    private int CheckBatch(ReadOnlyMatrixSpan x, ClassifierWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (!ReferenceEquals(workspace.Classifier, this)) throw new ArgumentException("the workspace was made for another classifier", nameof(workspace));
        if (x.Columns != InputSize)
            throw new ArgumentException($"x has shape {x.ToString()} but the classifier takes {InputSize} values per image", nameof(x));
        if (x.Rows > workspace.MaxRows)
            throw new ArgumentException($"x has {x.Rows} rows but the workspace holds at most {workspace.MaxRows}", nameof(x));
        return x.Rows;
    }
}
