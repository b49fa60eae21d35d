using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Models;
using Vae.Simd.Tensors;
using Vae.Simd.Training;

namespace Vae.Simd;

public abstract partial class LatentModel
{
    // The optimizer and its moments live as long as the model: a second Fit continues where the first stopped.
    private TrainingSession? _training;

    /// <summary>
    /// Trains the model on <paramref name="train"/> for <see cref="TrainingOptions.Epochs"/> epochs (default options: the PyTorch VAE
    /// example's) and returns one report per epoch; <paramref name="progress"/> hears each report as its epoch ends.
    /// <para>
    /// A later call continues: its epochs are numbered after <see cref="EpochsTrained"/> (shuffling, noise and binarization are
    /// keyed by the epoch number, so nothing repeats) and the optimizer keeps its state (when the optimizer settings are
    /// unchanged). Calling Fit with 3 epochs, then with 7, trains exactly as one call with 10 would.
    /// </para>
    /// <para>
    /// With <paramref name="validation"/>, each report also gives the loss on it (one z per row, keyed by row). A cancelled
    /// <paramref name="cancellationToken"/> stops between two optimizer steps with <see cref="OperationCanceledException"/>; the
    /// parameters are those after the last step, and the unfinished epoch does not count in <see cref="EpochsTrained"/>.
    /// With a <see cref="Scaling"/>, both datasets are scaled first (the model's own copy; yours is untouched).
    /// Throws <see cref="TrainingDivergedException"/> if the loss, or a parameter, stops being finite; the model (its parameters
    /// and the optimizer's state) is then left as it was when the failing epoch began, after the last epoch that finished.
    /// Arguments that are refused change nothing.
    /// </para>
    /// </summary>
    public IReadOnlyList<EpochReport> Fit(Dataset train, TrainingOptions? options = null, Dataset? validation = null,
        IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
        => FitCore(train, options, validation, progress, null, cancellationToken);

    /// <summary>As the public <see cref="Fit(Dataset, TrainingOptions?, Dataset?, IProgress{EpochReport}?, CancellationToken)"/>;
    /// <paramref name="onStep"/> also hears after every step the epoch (1-based), the rows done in it and the loss so far.</summary>
    internal IReadOnlyList<EpochReport> FitCore(Dataset train, TrainingOptions? options, Dataset? validation, IProgress<EpochReport>? progress,
        Action<int, int, LossBreakdown>? onStep, CancellationToken cancellationToken)
    {
        (train, validation, options) = CheckFit(train, options, validation);
        using var change = EnterChange("Fit");
        if (options.Epochs > int.MaxValue - EpochsTrained)
            throw new ArgumentOutOfRangeException(nameof(options), $"{options.Epochs:N0} more epochs after the {EpochsTrained:N0} already trained would count past {int.MaxValue:N0}");
        // Every refusal comes before this line: a refused call must leave the optimizer's state as it was, or "3 epochs, then 7"
        // would no longer train as 10.
        using var training = Network.BeginTraining();
        _training ??= new TrainingSession();
        var optimizer = _training.OptimizerFor(options, Network.Parameters.Length);
        int batch = Math.Min(options.BatchSize, train.Count);
        // Static binarization draws the targets once; dynamic redraws them in every shard. Validation targets are drawn once,
        // so that its loss is comparable from epoch to epoch.
        var data = options.Binarize == BinarizationMode.Static ? train.Binarized(options.Seed) : train;
        if (validation is not null && options.Binarize != BinarizationMode.None) validation = validation.Binarized(options.Seed ^ 0x7E57UL);

        int threads = options.EffectiveThreads;
        // Shards no larger than a thread's share of the batch keep every thread busy; results do not depend on the size.
        int shardRows = Math.Min(options.ShardRows, Math.Max(1, (batch + threads - 1) / threads));
        using var pool = new WorkerPool(threads);
        using var step = new FusedStep(new LatentProblem(Network, data, options.Seed, options.Binarize, options.Objective, options.Samples), optimizer, batch, shardRows, pool);
        using var evaluator = validation is null ? null : new LossEvaluator(Network, threads);
        var trainer = new MinibatchTrainer(step, data.Count, batch, options.Seed, options.Weights, options.KlWarmupEpochs);
        var lastFinished = new EpochStart(Network.Parameters, optimizer);

        int last = EpochsTrained + options.Epochs;
        // A huge epoch count stopped by the cancellation token is a fair use: the list grows as epochs finish.
        var reports = new List<EpochReport>(Math.Min(options.Epochs, 1024));
        try
        {
            for (int epoch = EpochsTrained; epoch < last; epoch++)
            {
                optimizer.LearningRate = options.LearningRate;
                lastFinished.Keep();
                (LossBreakdown Loss, double Seconds) trained;
                try
                {
                    trained = trainer.TrainEpoch(epoch, onStep is null ? null : (done, soFar) => onStep(epoch + 1, done, soFar), cancellationToken);
                    // The loss is checked before each update, so the last update of an epoch can still overflow unseen.
                    if (!float.IsFinite(LargestMagnitude.Of(Network.Parameters)))
                        throw new TrainingDivergedException($"an update in epoch {epoch + 1} carried parameters out of float32's range while the loss was still finite: training diverged (try a lower learning rate)");
                }
                catch (TrainingDivergedException)
                {
                    lastFinished.Restore();
                    throw;
                }
                LossBreakdown? validationLoss = evaluator?.Evaluate(validation!, options.Weights, options.Seed, pool);
                EpochsTrained = epoch + 1;
                var report = new EpochReport
                {
                    Epoch = epoch + 1, LastEpoch = last, Train = trained.Loss, Validation = validationLoss, Seconds = trained.Seconds,
                    LearningRate = optimizer.LearningRate, KlWeight = trainer.KlWeight(epoch, trainer.StepsPerEpoch - 1),
                };
                reports.Add(report);
                progress?.Report(report);
            }
        }
        finally
        {
            // Whatever happened, the transposed weights match the parameters the steps left.
            Network.ParametersChanged();
        }
        return reports;
    }

    /// <summary>Every refusal of <see cref="Fit"/> that its arguments can cause, before anything changes: the options, the data's
    /// widths, values and ranges, the draws per step and the memory. Returns the datasets in the model's units and the validated
    /// options. The command line calls it before it replaces an earlier run's files, so that a refused run costs nothing.</summary>
    internal (Dataset Train, Dataset? Validation, TrainingOptions Options) CheckFit(Dataset train, TrainingOptions? options, Dataset? validation)
    {
        ArgumentNullException.ThrowIfNull(train);
        options = (options ?? new TrainingOptions()).Validate();
        options.Weights.RequireNonZero(nameof(options), Network.NeedsNoise);
        if (options.Objective == Objective.Iwae && !Network.NeedsNoise)
            throw new ArgumentException("the importance-weighted bound needs a VAE: an autoencoder has no q(z|x) to weight", nameof(options));
        // Widths first: the scaling would refuse another width with a message about itself.
        CheckWidth(train, nameof(train));
        if (validation is not null) CheckWidth(validation, nameof(validation));
        train = InModelUnits(train);
        if (validation is not null) validation = InModelUnits(validation);
        CheckData(train, nameof(train));
        if (train.Count == 0) throw new ArgumentException("train has no rows", nameof(train));
        if (validation is not null)
        {
            CheckData(validation, nameof(validation));
            if (validation.Count == 0) throw new ArgumentException("validation has no rows (pass null for none)", nameof(validation));
        }
        if (options.Binarize != BinarizationMode.None)
        {
            if (train.Min < 0 || train.Max > 1) train.RequireUnitRange("binarization of the training rows");
            if (validation is not null && (validation.Min < 0 || validation.Max > 1)) validation.RequireUnitRange("binarization of the validation rows");
        }
        int batch = Math.Min(options.BatchSize, train.Count);
        if ((long)options.Samples * batch > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(options), $"{options.Samples} draws × a batch of {batch} rows is more than a million copies of a row per step; use fewer draws or a smaller batch");

        // Adam's two moments per parameter, the copy of the parameters and moments each epoch starts from, and per row of a
        // shard every layer's output and delta for each of the k copies.
        long perRow = 2L * 4 * (Config.InputSize * 2 + Config.Hidden.Sum() * 2 + Config.Latent * 4);
        MemoryBudget.Require(20L * ParameterCount + perRow * options.Samples * batch,
            $"training this model ({ParameterCount:N0} parameters) on batches of {batch} × {options.Samples} draws", nameof(options));
        return (train, validation, options);
    }

    /// <summary>
    /// The loss of the rows of <paramref name="x"/> with the noise ε = <paramref name="epsilon"/> (rows × <see cref="Latent"/>; ignored
    /// by an autoencoder, which may pass an empty span), summed over rows, under <paramref name="weights"/> (default 1 and 1).
    /// </summary>
    public LossBreakdown ComputeLoss(ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, LossWeights? weights = null)
        => ComputeLossAndGradients(x, epsilon, default, weights, withGradient: false);

    /// <summary>
    /// The same loss and its gradient with respect to every parameter, written into <paramref name="gradients"/>
    /// (<see cref="ParameterCount"/> values, in <see cref="ParameterTensors"/> order): the hand-derived backward pass, exactly
    /// as training computes it. The entry point for checking gradients and for writing one's own training step.
    /// </summary>
    public LossBreakdown ComputeLossAndGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, Span<float> gradients, LossWeights? weights = null)
        => ComputeLossAndGradients(x, epsilon, gradients, weights, withGradient: true);

    private LossBreakdown ComputeLossAndGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> epsilon, Span<float> gradients, LossWeights? weights, bool withGradient)
    {
        weights ??= new LossWeights();
        weights.RequireNonZero(nameof(weights), Network.NeedsNoise);
        int rows = RowsOf(x, InputSize, nameof(x));
        var input = new ReadOnlyMatrixSpan(x, rows, InputSize);
        CheckTargets(input, nameof(x));
        bool needsNoise = Network.NeedsNoise;
        if (needsNoise) CheckOutput(epsilon.Length, rows, Latent, nameof(epsilon));
        var eps = needsNoise ? new ReadOnlyMatrixSpan(epsilon, rows, Latent) : default;
        if (needsNoise) Guard.Finite(eps, nameof(epsilon));
        if (withGradient) CheckOutput(gradients.Length, ParameterCount, 1, nameof(gradients));
        using var lease = EnterInference();
        // The whole batch in one workspace: a gradient summed over chunks would depend on the chunking.
        var ws = rows <= _workspaces.Rows ? _workspaces.Rent() : Network.CreateWorkspace(Math.Max(rows, 1));
        try
        {
            // The loss that matches the gradient: float32 weights, whatever InferencePrecision says.
            ws.ExactWeights = true;
            return withGradient
                ? Network.ComputeLossAndGradients(input, eps, weights, ws, gradients, GradientUpdate.Overwrite)
                : Network.ComputeLoss(input, eps, weights, ws);
        }
        finally
        {
            if (ws.MaxRows == _workspaces.Rows) _workspaces.Return(ws); else ws.Dispose();
        }
    }

    /// <summary>Every parameter tensor's name (PyTorch style, e.g. <c>encoder.0.weight</c>) and shape, in the order the flat
    /// parameter and gradient buffers hold them.</summary>
    public IReadOnlyList<(string Name, int[] Shape)> ParameterTensors
        => Network.Layout.Tensors.Select(t => (t.Name, t.Shape.ToArray())).ToArray();

    /// <summary>A copy of every parameter (<see cref="ParameterCount"/> values, <see cref="ParameterTensors"/> order).</summary>
    public float[] GetParameters()
    {
        var values = new float[ParameterCount];
        CopyParametersTo(values);
        return values;
    }

    /// <summary>Copies every parameter into <paramref name="destination"/> (<see cref="ParameterCount"/> values).</summary>
    public void CopyParametersTo(Span<float> destination)
    {
        CheckOutput(destination.Length, ParameterCount, 1, nameof(destination));
        using var lease = EnterInference();
        Network.Parameters.CopyTo(destination);
    }

    /// <summary>Replaces every parameter (<see cref="ParameterCount"/> finite values, <see cref="ParameterTensors"/> order).
    /// Everything the model derives from its parameters follows; the optimizer's moments of a later <see cref="Fit"/> stay.</summary>
    public void SetParameters(ReadOnlySpan<float> values)
    {
        CheckOutput(values.Length, ParameterCount, 1, nameof(values));
        int bad = values.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
        if (bad >= 0) throw new ArgumentException($"values[{bad}] is {values[bad]}; parameters must be finite", nameof(values));
        using var change = EnterChange("SetParameters");
        Network.SetParameters(values);
    }
}
