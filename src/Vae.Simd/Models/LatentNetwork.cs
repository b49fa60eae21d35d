using Vae.Simd.Common;
using Vae.Simd.Kernels;
using Vae.Simd.Layers;
using Vae.Simd.Tensors;

namespace Vae.Simd.Models;

/// <summary>
/// What an <see cref="AutoencoderNetwork"/> and a <see cref="VariationalNetwork"/> share: an encoder MLP
/// (hidden layers, then a linear head), a bottleneck that turns the head's output into z, and a
/// decoder MLP from z to logits. Subclasses supply only the bottleneck's forward and backward.
/// All parameters live in one flat buffer, <see cref="Network.Parameters"/>; gradients use the same layout.
/// </summary>
internal abstract partial class LatentNetwork : Network
{
    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>Latent dimension.</summary>
    public int Latent => Config.Latent;

    /// <summary>Encoder hidden layers (<c>encoder.*</c>).</summary>
    protected Mlp EncoderTrunk { get; }

    /// <summary>The encoder's last, linear layer: its output is what the bottleneck reads.</summary>
    protected Linear Head { get; }

    /// <summary>Decoder (<c>decoder.*</c>): z → hidden… → logits.</summary>
    protected Mlp Decoder { get; }

    /// <summary>The decoder's learned per-feature log-variance (<c>decoder_logvar</c>), for
    /// <see cref="Likelihood.GaussianLearnedVariance"/> only.</summary>
    protected ParameterTensor? OutputLogVariance { get; }

    /// <summary>Declares the layers and initialises them as PyTorch does, from <paramref name="seed"/>.</summary>
    protected LatentNetwork(ModelConfig config, ulong seed)
    {
        Config = config.Validate();
        var encoderSizes = new[] { config.InputSize }.Concat(config.Hidden).ToArray();
        EncoderTrunk = new Mlp(Layout, "encoder", encoderSizes, config.Activation, activateLast: true);
        Head = DeclareHead(Layout, encoderSizes[^1]);
        var decoderSizes = new[] { config.Latent }.Concat(config.Hidden.Reverse()).Append(config.InputSize).ToArray();
        Decoder = new Mlp(Layout, "decoder", decoderSizes, config.Activation, activateLast: false);
        if (config.Likelihood == Likelihood.GaussianLearnedVariance) OutputLogVariance = Layout.Add("decoder_logvar", config.InputSize);
        Complete(EncoderTrunk.Layers.Append(Head).Concat(Decoder.Layers).ToArray(), seed, OutputLogVariance is null ? [] : [OutputLogVariance]);
    }

    /// <summary>A model of <paramref name="config"/>'s kind.</summary>
    public static LatentNetwork Create(ModelConfig config, ulong seed = 1) => config.Kind switch
    {
        ModelKind.Variational => new VariationalNetwork(config, seed),
        ModelKind.Autoencoder => new AutoencoderNetwork(config, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Kind, "unknown model kind"),
    };

    /// <summary>Declares the encoder head's tensors, after the hidden layers and before the decoder.</summary>
    private protected abstract Linear DeclareHead(ParameterLayout layout, int inputSize);

    /// <summary>Buffers for batches of up to <paramref name="maxRows"/> images. With <paramref name="threads"/> &gt; 1,
    /// inference calls (<see cref="EncodeMean"/>, <see cref="Decode"/>, <see cref="Reconstruct"/>, <see cref="Sample"/>) share
    /// their work among that many threads: a batch of at least <see cref="InferenceBlocks.MinRowsPerThread"/> rows per thread by
    /// blocks of rows, each thread in buffers of its own (up to 128 rows more per extra thread), a smaller one by each product's
    /// columns. Results do not depend on it.</summary>
    public NetworkWorkspace CreateWorkspace(int maxRows, int threads = 1)
    {
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread is needed");
        var buffers = new Workspace(maxRows);
        var ws = new NetworkWorkspace(this, buffers);
        EncoderTrunk.DeclareBuffers(buffers);
        ws.Head = buffers.Declare(Head.OutputSize);
        ws.HeadDelta = buffers.Declare(Head.OutputSize);
        ws.Z = buffers.Declare(Latent);
        ws.DZ = buffers.Declare(Latent);
        ws.Noise = buffers.Declare(Latent);
        Decoder.DeclareBuffers(buffers);
        ws.RowReconstruction = buffers.DeclareRowDoubles();
        ws.RowKl = buffers.DeclareRowDoubles();
        if (OutputLogVariance is not null) ws.OutputLogVarianceDelta = buffers.Declare(Config.InputSize);
        buffers.Allocate();
        if (threads > 1) ws.Pool = new WorkerPool(threads);
        ws.Blocks = new InferenceBlocks(this, ws, ws.Pool, Math.Min(maxRows, InferenceBlockRows));
        return ws;
    }

    // ---------------------------------------------------------------- the bottleneck (what differs)

    /// <summary>z from the head's output (and the noise ε, for a VAE); writes each row's KL and returns their sum.</summary>
    private protected abstract double BottleneckForward(ReadOnlyMatrixSpan head, ReadOnlyMatrixSpan epsilon, MatrixSpan z, Span<double> rowKl);

    /// <summary>∂L/∂head from ∂L/∂z (and the KL term's own gradient, weighted by <paramref name="klWeight"/>).</summary>
    private protected abstract void BottleneckBackward(ReadOnlyMatrixSpan head, ReadOnlyMatrixSpan z, ReadOnlyMatrixSpan dz, float klWeight, MatrixSpan dHead);

    /// <summary>True when the loss needs ε.</summary>
    public abstract bool NeedsNoise { get; }

    // ---------------------------------------------------------------- one training step

    /// <summary>
    /// The loss Σ_images (w_rec·(−log p(x|z)) + w_kl·KL) of the batch <paramref name="x"/> [B, input],
    /// with ε = <paramref name="epsilon"/> [B, latent] (ignored by an autoencoder; may be empty there).
    /// </summary>
    public LossBreakdown ComputeLoss(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan epsilon, LossScale weights, NetworkWorkspace workspace)
        => Run(x, epsilon, weights, workspace, default, withGradient: false);

    /// <summary>
    /// The same loss, and its gradient with respect to every parameter, <em>added</em> into
    /// <paramref name="gradients"/> (layout <see cref="Network.Layout"/>; clear it first for a fresh gradient).
    /// </summary>
    public LossBreakdown ComputeLossAndGradients(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan epsilon, LossScale weights, NetworkWorkspace workspace, Span<float> gradients)
        => ComputeLossAndGradients(x, epsilon, weights, workspace, gradients, GradientUpdate.Accumulate);

    /// <summary>As above; with <see cref="GradientUpdate.Overwrite"/> the gradient is written into
    /// <paramref name="gradients"/> whatever it held (each tensor has exactly one contributing layer).</summary>
    public LossBreakdown ComputeLossAndGradients(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan epsilon, LossScale weights, NetworkWorkspace workspace, Span<float> gradients, GradientUpdate update)
    {
        Shape.CheckLength(gradients.Length, Parameters.Length, nameof(gradients));
        return Run(x, epsilon, weights, workspace, gradients, withGradient: true, update);
    }

    private LossBreakdown Run(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan epsilon, LossScale weights, NetworkWorkspace ws, Span<float> gradients, bool withGradient,
        GradientUpdate update = GradientUpdate.Accumulate, bool computeParameterGradients = true)
    {
        using var lease = Acquire(ws);
        int rows = x.Rows;
        if (x.Columns != Config.InputSize)
            throw new ArgumentException($"x has shape {x.ToString()} but the model takes {Config.InputSize} values per image", nameof(x));
        if (rows > ws.MaxRows)
            throw new ArgumentException($"x has {rows} rows but the workspace holds at most {ws.MaxRows}", nameof(x));
        if (NeedsNoise) Shape.Check(epsilon, rows, Latent, nameof(epsilon));
        Guard.Finite(x, nameof(x));
        ReadOnlySpan<float> p = Parameters;
        Workspace buffers = ws.Buffers;

        // Forward: encoder → head → bottleneck (z, KL) → decoder → logits → reconstruction loss and ∂/∂logits.
        TransposedWeights forward = ForwardWeights(ws, withGradient);
        EncoderTrunk.Forward(p, x, buffers, forward);
        ReadOnlyMatrixSpan trunkOut = EncoderTrunk.Layers.Count == 0 ? x : EncoderTrunk.Output(buffers, EncoderTrunk.Layers.Count - 1, rows);
        MatrixSpan head = buffers.View(ws.Head, rows);
        Head.Forward(p, trunkOut, head, forward);
        MatrixSpan z = buffers.View(ws.Z, rows);
        Span<double> rowKl = buffers.RowDoubles(ws.RowKl, rows);
        double kl = BottleneckForward(head, epsilon, z, rowKl);
        Decoder.Forward(p, z, buffers, forward);
        MatrixSpan logits = Decoder.Output(buffers, Decoder.Layers.Count - 1, rows);
        // The loss writes ∂/∂logits straight into the decoder's last delta.
        MatrixSpan dLogits = withGradient ? Decoder.Delta(buffers, Decoder.Layers.Count - 1, rows) : default;
        double reconstruction = EvaluateReconstruction(logits, x, dLogits, weights.Reconstruction, ws, rows);
        var loss = new LossBreakdown(reconstruction, kl, weights.Reconstruction * reconstruction + weights.Kl * kl, rows);
        if (!withGradient) return loss;

        // Backward, first half, in exact reverse: every layer's delta ∂L/∂(pre-activation), from the
        // decoder down through the bottleneck to the encoder's first layer.
        MatrixSpan dz = buffers.View(ws.DZ, rows);
        Decoder.BackwardDeltas(p, buffers, rows, dz);
        MatrixSpan dHead = buffers.View(ws.HeadDelta, rows);
        dHead.Clear();
        BottleneckBackward(head, z, dz, weights.Kl, dHead);
        if (EncoderTrunk.Layers.Count != 0)
        {
            Head.BackwardInput(p, dHead, EncoderTrunk.Delta(buffers, EncoderTrunk.Layers.Count - 1, rows));
            EncoderTrunk.BackwardDeltas(p, buffers, rows, default);
        }

        // Second half: each parameter gradient from its layer's delta and input.
        if (computeParameterGradients) BackwardParameters(x, ws, gradients, update);
        return loss;
    }

    /// <summary>The reconstruction term of every row (kept in the workspace) and its sum; with <paramref name="dLogits"/>,
    /// ∂/∂logits scaled by <paramref name="scale"/>, and for a learned variance each row's share of its gradient.</summary>
    private protected double EvaluateReconstruction(ReadOnlyMatrixSpan logits, ReadOnlyMatrixSpan x, MatrixSpan dLogits, float scale, NetworkWorkspace ws, int rows)
    {
        ReadOnlySpan<float> logVariance = OutputLogVariance is null ? default : Parameters.AsSpan(OutputLogVariance.Offset, OutputLogVariance.Length);
        MatrixSpan dLogVariance = OutputLogVariance is not null && dLogits.Rows != 0 ? ws.Buffers.View(ws.OutputLogVarianceDelta, rows) : default;
        return ReconstructionLosses.Evaluate(Config.Likelihood, logits, x, logVariance, dLogits, dLogVariance, scale, ws.Buffers.RowDoubles(ws.RowReconstruction, rows));
    }

    /// <summary>−log p(x|z) of each row from decoder logits, without gradients (the evaluators' use).</summary>
    internal void ReconstructionRows(ReadOnlyMatrixSpan logits, ReadOnlyMatrixSpan targets, Span<double> rowLoss)
    {
        ReadOnlySpan<float> logVariance = OutputLogVariance is null ? default : Parameters.AsSpan(OutputLogVariance.Offset, OutputLogVariance.Length);
        ReconstructionLosses.Evaluate(Config.Likelihood, logits, targets, logVariance, default, default, 1f, rowLoss);
    }

    private protected void BackwardParameters(ReadOnlyMatrixSpan x, NetworkWorkspace ws, Span<float> gradients, GradientUpdate update)
    {
        for (int i = 0; i < Linears.Count; i++)
            Linears[i].BackwardParameters(LinearInput(i, x, ws), LinearDelta(i, ws, x.Rows), gradients, update);
        for (int v = 0; v < Vectors.Count; v++)
        {
            Span<float> g = gradients.Slice(Vectors[v].Offset, Vectors[v].Length);
            if (update == GradientUpdate.Overwrite) Gemm.ColumnSums(VectorDelta(v, ws, x.Rows), g);
            else Gemm.AccumulateColumnSums(VectorDelta(v, ws, x.Rows), g);
        }
    }

    // ---------------------------------------------------------------- split steps, for the trainer

    /// <summary>Forward and the first half of backward: leaves every layer's delta in the workspace, computes no
    /// parameter gradient. The trainer then forms the gradients block by block, in its update.</summary>
    internal LossBreakdown ComputeLossAndDeltas(ReadOnlyMatrixSpan x, ReadOnlyMatrixSpan epsilon, LossScale weights, NetworkWorkspace workspace)
        => Run(x, epsilon, weights, workspace, default, withGradient: true, GradientUpdate.Overwrite, computeParameterGradients: false);

    /// <summary>The input of linear layer <paramref name="index"/> in the last forward pass (x for the first).</summary>
    internal ReadOnlyMatrixSpan LinearInput(int index, ReadOnlyMatrixSpan x, NetworkWorkspace ws)
    {
        int trunk = EncoderTrunk.Layers.Count, rows = x.Rows;
        if (index == 0) return x;
        if (index <= trunk) return EncoderTrunk.Output(ws.Buffers, index - 1, rows);
        if (index == trunk + 1) return ws.Buffers.View(ws.Z, rows);
        return Decoder.Output(ws.Buffers, index - trunk - 2, rows);
    }

    /// <summary>The delta of linear layer <paramref name="index"/> from the last backward pass.</summary>
    internal ReadOnlyMatrixSpan LinearDelta(int index, NetworkWorkspace ws, int rows)
    {
        int trunk = EncoderTrunk.Layers.Count;
        if (index < trunk) return EncoderTrunk.Delta(ws.Buffers, index, rows);
        if (index == trunk) return ws.Buffers.View(ws.HeadDelta, rows);
        return Decoder.Delta(ws.Buffers, index - trunk - 1, rows);
    }

    /// <summary>The learned log-variance never goes below the loss's floor.</summary>
    public override float VectorMinimum(int vector) => ReconstructionLosses.MinLogVariance;

    /// <summary>The per-row matrix whose column sums are the gradient of <see cref="Network.Vectors"/>[<paramref name="vector"/>],
    /// from the last backward pass.</summary>
    internal ReadOnlyMatrixSpan VectorDelta(int vector, NetworkWorkspace ws, int rows)
    {
        if (vector != 0 || OutputLogVariance is null) throw new ArgumentOutOfRangeException(nameof(vector), vector, "the model has no such parameter vector");
        return ws.Buffers.View(ws.OutputLogVarianceDelta, rows);
    }

    // ---------------------------------------------------------------- inference

    /// <summary>Rows per pass through the network at inference. A block's activations (128 × 784 floats at most, 400 KB) stay
    /// in L2 from layer to layer, where a whole 1000-row batch's went out to L3 and back: a 1000-row reconstruct (one thread,
    /// Zen 5) went from 6.2–6.4 to 5.8–6.0 ms with float32 weights, 3.4–3.5 to 3.3–3.4 with int8, 2.9 to 2.7 with int8 on MNIST
    /// images (blocks of 64 and 256 did no better). Rows are computed independently, so the blocks change no bit.</summary>
    private const int InferenceBlockRows = 128;

    /// <summary>The deterministic code of each image: μ for a VAE, the code for an AE. Any number of rows.</summary>
    public void EncodeMean(ReadOnlyMatrixSpan x, MatrixSpan code, NetworkWorkspace workspace)
    {
        using var lease = Acquire(workspace);
        CheckImages(x, nameof(x));
        Shape.Check(code, x.Rows, Latent, nameof(code));
        workspace.Blocks.EncodeMean(x, code);
    }

    // Each call's work on one block of at most MaxRows rows, in the workspace's buffers, with each product's columns shared
    // among the pool's threads, if any. InferenceBlocks runs a call's blocks: in order on the caller, or shared among the
    // workspace's threads by rows, each in its own workspace and without a pool.

    internal void EncodeMeanBlock(ReadOnlyMatrixSpan x, MatrixSpan code, NetworkWorkspace ws, WorkerPool? pool)
        => EncodeChunk(x, ws, Latent, pool).CopyTo(code);

    /// <summary>The head's first first.Columns outputs into <paramref name="first"/>, the next second.Columns into
    /// <paramref name="second"/> (a VAE's μ and log σ²).</summary>
    internal void EncodeHeadBlock(ReadOnlyMatrixSpan x, MatrixSpan first, MatrixSpan second, NetworkWorkspace ws, WorkerPool? pool)
    {
        MatrixSpan head = EncodeChunk(x, ws, first.Columns + second.Columns, pool);
        head.SliceColumns(0, first.Columns).CopyTo(first);
        head.SliceColumns(first.Columns, second.Columns).CopyTo(second);
    }

    internal void DecodeBlock(ReadOnlyMatrixSpan z, MatrixSpan output, NetworkWorkspace ws, WorkerPool? pool)
    {
        MatrixSpan logits = DecodeLogits(z, ws, pool);
        for (int r = 0; r < z.Rows; r++) ReconstructionLosses.Mean(Config.Likelihood, logits[r], output[r]);
    }

    internal void ReconstructBlock(ReadOnlyMatrixSpan x, MatrixSpan output, NetworkWorkspace ws, WorkerPool? pool)
    {
        MatrixSpan z = ws.Buffers.View(ws.Z, x.Rows);
        EncodeChunk(x, ws, Latent, pool).CopyTo(z);
        DecodeBlock(z, output, ws, pool);
    }

    internal void SampleBlock(MatrixSpan output, NoiseSource noise, long firstSample, NetworkWorkspace ws, WorkerPool? pool)
    {
        MatrixSpan z = ws.Buffers.View(ws.Z, output.Rows);
        noise.Fill(z, firstSample);
        DecodeBlock(z, output, ws, pool);
    }

    /// <summary>Runs the encoder on at most MaxRows images and the first <paramref name="headColumns"/> outputs of the head
    /// (a VAE's μ rows come first: inference that needs only μ skips log σ²); returns them in the workspace.</summary>
    private MatrixSpan EncodeChunk(ReadOnlyMatrixSpan x, NetworkWorkspace ws, int headColumns, WorkerPool? pool)
    {
        int rows = x.Rows;
        TransposedWeights forward = ForwardWeights(ws);
        EncoderTrunk.Forward(Parameters, x, ws.Buffers, forward, pool);
        ReadOnlyMatrixSpan trunkOut = EncoderTrunk.Layers.Count == 0 ? x : EncoderTrunk.Output(ws.Buffers, EncoderTrunk.Layers.Count - 1, rows);
        MatrixSpan output = ws.Buffers.View(ws.Head, rows, headColumns);
        Head.ForwardColumns(Parameters, trunkOut, output, headColumns, forward, pool);
        return output;
    }

    /// <summary>Decoder output probabilities (Bernoulli) or means (Gaussian: sigmoid(logits); learned-variance Gaussian: the
    /// logits themselves), for latent points <paramref name="z"/>.</summary>
    public void Decode(ReadOnlyMatrixSpan z, MatrixSpan output, NetworkWorkspace workspace)
    {
        using var lease = Acquire(workspace);
        Shape.Check(z, z.Rows, Latent, nameof(z));
        Shape.Check(output, z.Rows, Config.InputSize, nameof(output));
        Guard.Finite(z, nameof(z));
        workspace.Blocks.Decode(z, output);
    }

    /// <summary>The decoder's logits for at most MaxRows latent points, left in the workspace (the evaluators turn
    /// them into log p(x|z) without going through probabilities, which would lose precision near 0 and 1).</summary>
    internal MatrixSpan DecodeLogits(ReadOnlyMatrixSpan z, NetworkWorkspace ws) => DecodeLogits(z, ws, ws.Pool);

    private MatrixSpan DecodeLogits(ReadOnlyMatrixSpan z, NetworkWorkspace ws, WorkerPool? pool)
    {
        Decoder.Forward(Parameters, z, ws.Buffers, ForwardWeights(ws), pool);
        return Decoder.Output(ws.Buffers, Decoder.Layers.Count - 1, z.Rows);
    }

    /// <summary>decode(encode-mean(x)): the model's reconstruction of each image.</summary>
    public void Reconstruct(ReadOnlyMatrixSpan x, MatrixSpan output, NetworkWorkspace workspace)
    {
        using var lease = Acquire(workspace);
        CheckImages(x, nameof(x));
        Shape.Check(output, x.Rows, Config.InputSize, nameof(output));
        workspace.Blocks.Reconstruct(x, output);
    }

    /// <summary>Generates output.Rows images by decoding z ~ N(0, I) drawn from <paramref name="noise"/>
    /// (sample indices from <paramref name="firstSample"/> on).</summary>
    public void Sample(MatrixSpan output, NoiseSource noise, NetworkWorkspace workspace, long firstSample = 0)
    {
        using var lease = Acquire(workspace);
        Shape.Check(output, output.Rows, Config.InputSize, nameof(output));
        workspace.Blocks.Sample(output, noise, firstSample);
    }

    private protected void CheckImages(ReadOnlyMatrixSpan x, string parameter)
    {
        if (x.Columns != Config.InputSize)
            throw new ArgumentException($"{parameter} has shape {x.ToString()} but the model takes {Config.InputSize} values per image", parameter);
        Guard.Finite(x, parameter);
    }

    /// <summary>Checks that the workspace is this model's and claims it for the call (see <see cref="NetworkWorkspace.Enter"/>).</summary>
    private protected NetworkWorkspace.Lease Acquire(NetworkWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (!ReferenceEquals(workspace.Model, this))
            throw new ArgumentException("the workspace was made for another model", nameof(workspace));
        return workspace.Enter();
    }
}
