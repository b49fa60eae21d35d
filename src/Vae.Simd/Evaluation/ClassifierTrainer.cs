using Vae.Simd.Common;
using System.Numerics.Tensors;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Training;

namespace Vae.Simd.Evaluation;

/// <summary>How <see cref="ClassifierTrainer"/> trains.</summary>
internal sealed record ClassifierTrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Images per Adam step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam's step size in the first epoch.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>The step size is multiplied by this after every epoch (1 = constant).</summary>
    public float LearningRateDecay { get; init; } = 0.8f;

    /// <summary>Each training image is shifted by up to this many pixels in x and y (0 = no augmentation).
    /// Small shifts are the cheapest way past 98% for an MLP on MNIST.</summary>
    public int MaxShift { get; init; } = 2;

    /// <summary>Worker threads; the result does not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Seed of the initialisation, the shuffles and the shifts.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws if a value makes no sense, naming it.</summary>
    public ClassifierTrainingOptions Validate()
    {
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "at least one epoch is needed");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be positive");
        if (!float.IsFinite(LearningRate) || LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be positive and finite");
        if (!float.IsFinite(LearningRateDecay) || LearningRateDecay <= 0 || LearningRateDecay > 1) throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), LearningRateDecay, "must be in (0, 1]");
        if (MaxShift < 0) throw new ArgumentOutOfRangeException(nameof(MaxShift), MaxShift, "must not be negative");
        if (Threads <= 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "at least one thread is needed");
        return this;
    }
}

/// <summary>
/// Trains a <see cref="Classifier"/> with Adam on mean cross-entropy, on the same two steps as the autoencoders
/// (<see cref="FusedStep"/>, proven equal to <see cref="ReferenceStep"/>) and the same epoch loop: the result is the same
/// for any number of threads.
/// </summary>
internal static class ClassifierTrainer
{
    /// <summary>Images per shard: the unit of parallel work.</summary>
    public const int ShardRows = 64;

    /// <summary>Trains <paramref name="classifier"/> in place; <paramref name="onEpoch"/> (optional) hears each
    /// epoch's number (from 1) and mean training loss. Returns the mean training loss of the last epoch.</summary>
    public static double Train(Classifier classifier, Dataset train, ClassifierTrainingOptions options, Action<int, double>? onEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(train);
        options.Validate();
        if (train.Features != classifier.InputSize)
            throw new ArgumentException($"the data has {train.Features} values per row but the classifier takes {classifier.InputSize}", nameof(train));
        if (!train.HasLabels) throw new ArgumentException("the data has no labels to learn", nameof(train));
        if (train.Labels.ContainsAnyExceptInRange(0, classifier.Classes - 1))
            throw new ArgumentException($"the data has labels outside the classifier's {classifier.Classes} classes", nameof(train));
        if (options.MaxShift > 0 && train.ImageHeight == 0)
            throw new ArgumentException("shift augmentation needs images; this dataset has no image shape (set MaxShift to 0)", nameof(train));
        if (options.MaxShift >= Math.Min(train.ImageHeight, train.ImageWidth) && options.MaxShift > 0)
            throw new ArgumentException($"shifts of up to {options.MaxShift} pixels need images larger than that; these are {train.ImageHeight}×{train.ImageWidth} (use a smaller MaxShift)", nameof(options));

        int threads = Math.Min(options.Threads, (options.BatchSize + ShardRows - 1) / ShardRows);
        using var pool = new WorkerPool(threads);
        var adam = new Adam(classifier.Parameters.Length, options.LearningRate);
        using var step = new FusedStep(new ClassifierProblem(classifier, train, options), adam, options.BatchSize, ShardRows, pool);
        var trainer = new MinibatchTrainer(step, train.Count, options.BatchSize, options.Seed, new LossWeights(), klWarmupEpochs: 0);
        double epochLoss = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var (loss, _) = trainer.TrainEpoch(epoch);
            epochLoss = loss.Total / train.Count;
            onEpoch?.Invoke(epoch + 1, epochLoss);
            adam.LearningRate *= options.LearningRateDecay;
        }
        return epochLoss;
    }

    /// <summary>Copies an image moved by (dx, dy) pixels; what moves in from outside is 0 (MNIST's background).</summary>
    internal static void Shift(ReadOnlySpan<float> source, Span<float> destination, int height, int width, int dx, int dy)
    {
        destination.Clear();
        for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
        {
            int from = Math.Max(0, -dx), to = Math.Min(width, width - dx);
            source.Slice((y - dy) * width + from, to - from).CopyTo(destination.Slice(y * width + from + dx, to - from));
        }
    }
}

/// <summary>
/// Training the judge: a shard gathers its images, each shifted by up to MaxShift pixels (keyed by epoch and position, not
/// by worker), with their labels, and runs the forward pass and deltas of the mean cross-entropy over the batch.
/// </summary>
internal sealed class ClassifierProblem(Classifier classifier, Dataset data, ClassifierTrainingOptions options) : ITrainingProblem
{
    public Network Network => classifier;

    public int Rows => data.Count;

    public IShard CreateShard(int maxRows) => new Shard(classifier, data, options, maxRows);

    private sealed class Shard(Classifier classifier, Dataset data, ClassifierTrainingOptions options, int maxRows) : IShard
    {
        private readonly ClassifierWorkspace _workspace = classifier.CreateWorkspace(maxRows);
        private readonly Matrix _inputs = new(maxRows, classifier.InputSize);
        private readonly int[] _labels = new int[maxRows];
        private int _rows;

        public LossBreakdown Run(in BatchContext batch, int first, int rows)
        {
            _rows = rows;
            MatrixSpan x = _inputs.AsSpan().SliceRows(0, rows);
            for (int r = 0; r < rows; r++)
            {
                int position = batch.Start + first + r, image = batch.Order[position];
                _labels[r] = data.Labels[image];
                ReadOnlySpan<float> source = data.Row(image);
                if (options.MaxShift == 0) source.CopyTo(x[r]);
                else
                {
                    var random = new SeededRandom(options.Seed ^ ((ulong)batch.Epoch << 40) ^ ((ulong)position * 0xD1B54A32D192ED03UL));
                    int range = 2 * options.MaxShift + 1;
                    ClassifierTrainer.Shift(source, x[r], data.ImageHeight, data.ImageWidth, random.NextInt(range) - options.MaxShift, random.NextInt(range) - options.MaxShift);
                }
            }
            // The mean over the whole batch: every shard scales its deltas by 1 / batch size.
            double loss = classifier.ComputeLossAndDeltas(x, _labels.AsSpan(0, rows), 1f / batch.Count, _workspace);
            return new LossBreakdown(loss, 0, loss, rows);
        }

        public ReadOnlyMatrixSpan LayerInput(int layer) => classifier.LayerInput(layer, _inputs.AsReadOnlySpan().SliceRows(0, _rows), _workspace);

        public ReadOnlyMatrixSpan LayerDelta(int layer) => classifier.LayerDelta(layer, _workspace, _rows);

        public void Dispose()
        {
            _workspace.Dispose();
            _inputs.Dispose();
        }
    }
}
