using System.Globalization;
using System.Text.Json;
using Vae.Simd.Serialization;

namespace Vae.Simd;

public abstract partial class LatentModel
{
    /// <summary>The file name <see cref="Load"/> looks for when given a folder.</summary>
    public const string DefaultFileName = "model.safetensors";

    /// <summary>
    /// Writes the model to <paramref name="path"/> as safetensors: every parameter under its PyTorch-style name, the architecture
    /// (and <see cref="EpochsTrained"/>) in the metadata, so that <see cref="Load"/> needs nothing else. The write is atomic: an
    /// existing file is replaced whole or left as it was. A missing folder is created.
    /// <para>With <paramref name="includeTrainingState"/>, the file also holds the optimizer's state (Adam's moments, the step
    /// count), and a model loaded from it continues training with <see cref="Fit"/> exactly as if it had never stopped. The
    /// parameters are still there under the same names (a safetensors reader such as PyTorch's <c>load_file</c> finds them
    /// beside the <c>optimizer.</c> tensors), but <see cref="LoadStateDict"/>, which takes nothing but parameters, refuses
    /// such a file: read it with <see cref="Load"/>.</para>
    /// </summary>
    public void Save(string path, bool includeTrainingState = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var lease = EnterInference();
        // Before creating any folder: "runs/x/" names a folder, not the file to write.
        if (Path.EndsInDirectorySeparator(path) || Directory.Exists(path))
            throw new IOException($"{path}: is a directory; give a file name (e.g. {Path.Combine(path, DefaultFileName)})");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            if (File.Exists(folder)) throw new IOException($"{path}: cannot be written, {folder} is a file");
            Directory.CreateDirectory(folder);
        }
        var metadata = new Dictionary<string, string> { ["epochs_trained"] = EpochsTrained.ToString(CultureInfo.InvariantCulture) };
        var snapshot = includeTrainingState ? _training?.Snapshot() : null;
        if (snapshot is { } s) metadata[TrainingSession.MetadataKey] = s.Description;
        var auxiliary = snapshot?.Tensors.ToList() ?? [];
        if (_scaling is { } scaling)
        {
            metadata[ScalingKey] = scaling.Kind.ToString().ToLowerInvariant();
            auxiliary.Add((ScalingOffsets, scaling.Offsets.ToArray()));
            auxiliary.Add((ScalingScales, scaling.Scales.ToArray()));
        }
        ModelCheckpoint.Save(Network, path, metadata, auxiliary);
    }

    /// <summary>
    /// Reads a model written by <see cref="Save"/> (or a folder holding <see cref="DefaultFileName"/>), with its training state if it
    /// was saved with it. Every tensor must be present, finite and of the recorded shape; anything else throws
    /// <see cref="CheckpointException"/> naming the file and the problem.
    /// </summary>
    public static LatentModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string file = ResolveModelFile(path);
        var network = ModelCheckpoint.Load(file, out var metadata, out var auxiliary);
        var model = Wrap(network);
        try { model._scaling = ReadScaling(file, metadata, auxiliary, model.InputSize); }
        catch { model.Dispose(); throw; }
        var state = auxiliary.Where(t => t.Key.StartsWith(ModelCheckpoint.StatePrefix, StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value);
        if (metadata.TryGetValue("epochs_trained", out var epochs))
        {
            // Fit numbers its epochs (and keys their shuffling) from here: a value that is not a count is as corrupt as a missing tensor.
            if (!int.TryParse(epochs, NumberStyles.None, CultureInfo.InvariantCulture, out int e))
            {
                model.Dispose();
                throw new CheckpointException($"{file}: invalid epochs_trained '{epochs}' (a whole number from 0 to {int.MaxValue:N0})");
            }
            model.EpochsTrained = e;
        }
        if (metadata.TryGetValue(TrainingSession.MetadataKey, out var description))
        {
            try { model._training = TrainingSession.Restore(description, state, model.ParameterCount); }
            // InvalidOperationException: an element of the wrong JSON kind (an array for the object, text for a number).
            catch (Exception ex) when (ex is FormatException or ArgumentException or JsonException or OverflowException or InvalidOperationException)
            {
                model.Dispose();
                throw new CheckpointException($"{file}: invalid training state ({ex.Message})", ex);
            }
        }
        else if (state.Count > 0)
        {
            model.Dispose();
            throw new CheckpointException($"{file}: optimizer tensors without a '{TrainingSession.MetadataKey}' entry to describe them");
        }
        return model;
    }

    /// <summary>
    /// Loads bare weights — a safetensors state dict without Vae.Simd's metadata, e.g. <c>safetensors.torch.save_file(model.state_dict(), …)</c>
    /// — into a new model of architecture <paramref name="config"/>. Tensors may carry Vae.Simd's names or the PyTorch VAE example's
    /// (<c>fc1</c>, <c>fc21</c>, <c>fc22</c>, <c>fc3</c>, <c>fc4</c>); <see cref="StateDictNames.Auto"/> tells them apart. Every tensor
    /// must be there, of the configured shape and finite, and nothing else.
    /// </summary>
    public static LatentModel LoadStateDict(string path, ModelConfig config, StateDictNames names = StateDictNames.Auto)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Wrap(ModelCheckpoint.LoadStateDict(ResolveModelFile(path), config, names));
    }

    private const string ScalingKey = "scaling";
    private const string ScalingOffsets = ModelCheckpoint.ScalingPrefix + "offset";
    private const string ScalingScales = ModelCheckpoint.ScalingPrefix + "scale";

    /// <summary>The feature scaling a checkpoint holds (both tensors and the metadata entry, or none of them).</summary>
    private static FeatureScaling? ReadScaling(string file, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, float[]> auxiliary, int features)
    {
        bool hasKind = metadata.TryGetValue(ScalingKey, out var kindText);
        auxiliary.TryGetValue(ScalingOffsets, out var offsets);
        auxiliary.TryGetValue(ScalingScales, out var scales);
        var unknown = auxiliary.Keys.FirstOrDefault(k => k.StartsWith(ModelCheckpoint.ScalingPrefix, StringComparison.Ordinal) && k != ScalingOffsets && k != ScalingScales);
        if (unknown is not null) throw new CheckpointException($"{file}: unknown scaling tensor '{unknown}'");
        if (!hasKind && offsets is null && scales is null) return null;
        if (!hasKind || offsets is null || scales is null)
            throw new CheckpointException($"{file}: an incomplete feature scaling (it needs the '{ScalingKey}' metadata entry and the tensors {ScalingOffsets} and {ScalingScales})");
        if (kindText is null || kindText.Any(char.IsDigit) || !Enum.TryParse<ScalingKind>(kindText, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            throw new CheckpointException($"{file}: unknown scaling kind '{kindText}'");
        if (offsets.Length != features || scales.Length != features)
            throw new CheckpointException($"{file}: the scaling has {offsets.Length} offsets and {scales.Length} scales but the model takes {features} features");
        try { return new FeatureScaling(kind, offsets, scales); }
        catch (ArgumentException e) { throw new CheckpointException($"{file}: invalid feature scaling ({e.Message})", e); }
    }

    /// <summary>A folder means the model file inside it.</summary>
    private protected static string ResolveModelFile(string path)
    {
        if (!Directory.Exists(path)) return path;
        string inside = Path.Combine(path, DefaultFileName);
        if (File.Exists(inside)) return inside;
        throw new CheckpointException($"{path}: is a directory without a {DefaultFileName}; give the path of a .safetensors file");
    }
}
