using Vae.Simd.Models;

namespace Vae.Simd;

/// <summary>
/// An autoencoder over rows of <see cref="ModelConfig.InputSize"/> values: a <see cref="VariationalAutoencoder"/> or a plain
/// <see cref="Autoencoder"/>. Make one from a <see cref="ModelConfig"/> (or <see cref="Load"/> one), train it with
/// <see cref="Fit"/>, then encode, decode, reconstruct, sample and score rows.
/// <para>
/// Data goes in and out as row-major spans of <see cref="float"/>: <c>x</c> holds whole rows of <see cref="InputSize"/>
/// values, codes hold rows of <see cref="Latent"/> values. Every method has an overload that returns new arrays and one that
/// writes into the caller's spans and, once warm, allocates nothing.
/// </para>
/// <para>
/// Threads: inference (<see cref="EncodeMean(ReadOnlySpan{float}, Span{float})"/>, <see cref="Decode(ReadOnlySpan{float}, Span{float})"/>,
/// <see cref="Reconstruct(ReadOnlySpan{float}, Span{float})"/>, <see cref="Sample(Span{float}, ulong, long)"/>,
/// <see cref="NegativeElbo(ReadOnlySpan{float}, ulong)"/>, …) may run on any number of threads at once, and each row's result is
/// the same bit for bit whichever thread computes it. Encoding, decoding and reconstructing a row also give the same bits
/// whatever other rows share its call; the calls that draw noise (<see cref="Sample(Span{float}, ulong, long)"/>,
/// <see cref="NegativeElbo(ReadOnlySpan{float}, ulong)"/>) key it by the seed and the row's position in the call. <see cref="Fit"/>,
/// <see cref="SetParameters"/> and <see cref="Dispose"/> change the model: while one runs, other calls throw
/// <see cref="InvalidOperationException"/> instead of reading half-updated weights.
/// </para>
/// </summary>
public abstract partial class LatentModel : IDisposable
{
    /// <summary>Rows an inference workspace holds; longer inputs run in chunks of this many (results do not depend on it).</summary>
    private const int ChunkRows = 256;

    private readonly WorkspacePool _workspaces;
    // ≥ 0: inference calls in flight; −1: the model is being changed (Fit, SetParameters). One field, so one CAS decides.
    private int _state;
    private volatile bool _disposed;

    internal LatentNetwork Network { get; }

    private protected LatentModel(LatentNetwork network)
    {
        Network = network;
        _workspaces = new WorkspacePool(network, ChunkRows);
    }

    /// <summary>A <see cref="VariationalAutoencoder"/> or an <see cref="Autoencoder"/>, as <paramref name="config"/>'s
    /// <see cref="ModelConfig.Kind"/> says, initialised as PyTorch does from <paramref name="seed"/>.</summary>
    public static LatentModel Create(ModelConfig config, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(config);
        // Validated before choosing by Kind: an undefined kind must not fall through to a VAE.
        config.Validate();
        return config.Kind == ModelKind.Autoencoder ? new Autoencoder(config, seed) : new VariationalAutoencoder(config, seed);
    }

    /// <summary>
    /// The per-feature map from the data's units to the units the network learns in (see <see cref="FeatureScaling"/>), or null
    /// for none. Kept with the model and saved in its checkpoint. The methods that take a <see cref="Dataset"/> (<see cref="Fit"/>,
    /// <see cref="Evaluate"/>, <see cref="Score"/>, <see cref="EncodeDataset"/>) apply it themselves; the span methods take and
    /// return rows in the network's units (convert with <see cref="FeatureScaling.Apply(Span{float})"/> and
    /// <see cref="FeatureScaling.Restore"/>).
    /// </summary>
    public FeatureScaling? Scaling
    {
        get => _scaling;
        set
        {
            value?.RequireFeatures(InputSize, nameof(value));
            using var change = EnterChange("setting Scaling");
            _scaling = value;
        }
    }
    private FeatureScaling? _scaling;

    /// <summary>
    /// The weights that the inference calls read: <see cref="EncodeMean(ReadOnlySpan{float})"/>, <see cref="Decode(ReadOnlySpan{float})"/>,
    /// <see cref="Reconstruct(ReadOnlySpan{float})"/>, <see cref="Sample(int, ulong)"/>, a VAE's <c>Encode</c> and
    /// <c>ImportanceWeightedLogLikelihood</c>, <see cref="NegativeElbo(ReadOnlySpan{float}, ulong)"/>, <see cref="Evaluate"/>,
    /// <see cref="Score"/>, <see cref="EncodeDataset"/> and <see cref="DecodeToData"/>. <see cref="InferencePrecision.BFloat16"/>
    /// rounds a copy of them and <see cref="InferencePrecision.Int8"/> quantizes one, refreshed whenever the parameters change; <see cref="Fit"/>, <see cref="ComputeLoss"/>,
    /// <see cref="ComputeLossAndGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, LossWeights?)"/> and the gradient checks keep the float32 weights, and so does <see cref="Save"/>.
    /// Not saved in the checkpoint: a loaded model starts at <see cref="InferencePrecision.Float32"/>.
    /// </summary>
    public InferencePrecision InferencePrecision
    {
        get => Network.InferencePrecision;
        set
        {
            if (!Enum.IsDefined(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "unknown inference precision: Float32, BFloat16 or Int8");
            using var change = EnterChange("setting InferencePrecision");
            Network.SetInferencePrecision(value);
        }
    }

    /// <summary><paramref name="data"/> in the network's units (itself when the model has no scaling).</summary>
    private protected Dataset InModelUnits(Dataset data) => _scaling is null ? data : _scaling.Apply(data);

    internal static LatentModel Wrap(LatentNetwork network) => network switch
    {
        VariationalNetwork v => new VariationalAutoencoder(v),
        AutoencoderNetwork a => new Autoencoder(a),
        _ => throw new ArgumentException("unknown network", nameof(network)),
    };

    /// <summary>The architecture.</summary>
    public ModelConfig Config => Network.Config;

    /// <summary>Values per input row.</summary>
    public int InputSize => Network.Config.InputSize;

    /// <summary>Latent dimension: values per code.</summary>
    public int Latent => Network.Config.Latent;

    /// <summary>Number of parameters (weights and biases).</summary>
    public int ParameterCount => Network.Parameters.Length;

    /// <summary>Epochs trained so far, over every <see cref="Fit"/> call (and before <see cref="Save"/>, for a loaded model).</summary>
    public int EpochsTrained { get; private set; }

    /// <inheritdoc />
    public override string ToString() => $"{Network.Config} ({ParameterCount:N0} parameters, {EpochsTrained} epochs trained)";

    /// <summary>Stops the model's threads and returns its pooled buffers. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _workspaces.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected Models.NetworkWorkspace RentWorkspace() => _workspaces.Rent();

    private protected void ReturnWorkspace(Models.NetworkWorkspace workspace) => _workspaces.Return(workspace);

    // ------------------------------------------------------------------ who may use the model now

    private void ThrowIfDisposed()
    {
        if (_disposed) throw new ObjectDisposedException(GetType().Name, $"this {GetType().Name} was disposed; create or load the model again");
    }

    /// <summary>Admits one inference call; dispose the lease when it is done.</summary>
    private protected InferenceLease EnterInference()
    {
        ThrowIfDisposed();
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state < 0)
                throw new InvalidOperationException($"the {GetType().Name} is being changed (Fit or SetParameters is running on another thread); inference would read half-updated weights — wait for it to return");
            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state) return new InferenceLease(this);
        }
    }

    /// <summary>Admits one call that changes the parameters, if nothing else is using the model.</summary>
    private protected ChangeLease EnterChange(string what)
    {
        ThrowIfDisposed();
        int state = Interlocked.CompareExchange(ref _state, -1, 0);
        if (state != 0)
            throw new InvalidOperationException(state < 0
                ? $"{what}: the {GetType().Name} is already being changed on another thread (Fit or SetParameters); one change at a time"
                : $"{what}: the {GetType().Name} is running {state} inference call(s) on other threads; change it when they have returned");
        return new ChangeLease(this);
    }

    private protected readonly struct InferenceLease(LatentModel model) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref model._state);
    }

    private protected readonly struct ChangeLease(LatentModel model) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref model._state, 0);
    }
}
