using System.Globalization;
using System.Text.Json;
using Vae.Simd.Models;

namespace Vae.Simd.Serialization;

/// <summary>
/// Saves and loads a <see cref="LatentNetwork"/> as safetensors: one F32 tensor per parameter under its
/// PyTorch name, and the architecture in <c>__metadata__</c> ("format" and a "config" JSON object), so the
/// file alone rebuilds the model. <see cref="LoadStateDict"/> reads bare weights (no metadata) for a given
/// architecture, under our names or the PyTorch VAE example's.
/// </summary>
internal static class ModelCheckpoint
{
    /// <summary>The value of the "format" metadata entry.</summary>
    public const string Format = "vae-simd/1";

    /// <summary>The PyTorch VAE example's layer names (pytorch/examples, vae/main.py) and ours.</summary>
    private static readonly (string Torch, string Ours)[] PyTorchExampleNames =
        [("fc1", "encoder.0"), ("fc21", "encoder_mu"), ("fc22", "encoder_logvar"), ("fc3", "decoder.0"), ("fc4", "decoder.2")];

    /// <summary>Tensors under this prefix are a training checkpoint's optimizer state, not parameters.</summary>
    public const string StatePrefix = "optimizer.";

    /// <summary>Tensors under this prefix are the model's feature scaling (offsets and scales), not parameters.</summary>
    public const string ScalingPrefix = "scaling.";

    /// <summary>Tensors that are not parameters: optimizer state and feature scaling.</summary>
    public static bool IsAuxiliary(string name) => name.StartsWith(StatePrefix, StringComparison.Ordinal) || name.StartsWith(ScalingPrefix, StringComparison.Ordinal);

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically, with <paramref name="state"/> tensors
    /// (names starting with <see cref="StatePrefix"/>) beside the parameters when given.</summary>
    public static void Save(LatentNetwork model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null,
        IEnumerable<(string Name, float[] Values)>? state = null)
    {
        var tensors = ParameterTensors.From(model.Layout, model.Parameters);
        if (state is not null) tensors.AddRange(state.Select(s => new SafeTensor(s.Name, [s.Values.Length], s.Values)));
        // Load refuses a tensor that is not finite, so writing one would replace a file that loads with one that does not.
        foreach (var t in tensors)
        {
            int bad = Array.FindIndex(t.Data, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new InvalidOperationException($"{path} was not written: the model's tensor '{t.Name}' holds {t.Data[bad]} at index {bad} " +
                    "(training diverged?); a file that cannot be loaded would replace what is there");
        }
        var metadata = new Dictionary<string, string> { ["format"] = Format, ["config"] = ConfigToJson(model.Config) };
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) metadata.TryAdd(k, v);
        SafeTensors.Write(path, tensors, metadata);
    }

    /// <summary>Reads a checkpoint and rebuilds its model; every tensor must be present, finite and of the configured shape.</summary>
    public static LatentNetwork Load(string path) => Load(path, out _, out _);

    /// <summary>As <see cref="Load(string)"/>, also returning the file's metadata and its auxiliary tensors (optimizer state and
    /// feature scaling; empty for a plain model).</summary>
    public static LatentNetwork Load(string path, out IReadOnlyDictionary<string, string> metadata, out IReadOnlyDictionary<string, float[]> state)
    {
        (var all, metadata) = SafeTensors.Read(path);
        return FromTensors(path, all, metadata, out state);
    }

    /// <summary>The model a parsed safetensors file describes (what <see cref="Load(string, out IReadOnlyDictionary{string, string}, out IReadOnlyDictionary{string, float[]})"/>
    /// does after reading); <paramref name="path"/> names the source in errors.</summary>
    public static LatentNetwork FromTensors(string path, IReadOnlyList<SafeTensor> all, IReadOnlyDictionary<string, string> metadata,
        out IReadOnlyDictionary<string, float[]> state)
    {
        var tensors = all.Where(t => !IsAuxiliary(t.Name)).ToList();
        state = all.Where(t => IsAuxiliary(t.Name)).ToDictionary(t => t.Name, t => t.Data);
        if (!metadata.TryGetValue("config", out var configJson))
            throw new CheckpointException($"{path}: no model configuration in __metadata__ (not written by Vae.Simd? load bare weights with LoadStateDict and the architecture)");
        ModelConfig config;
        try
        {
            config = ConfigFromJson(configJson);
            // Files written before the image shape moved into the configuration kept it beside it.
            if (config.ImageHeight == 0 && Int(metadata, "image_height") is int h and > 0 && Int(metadata, "image_width") is int w and > 0 && (long)h * w == config.InputSize)
                config = config with { ImageHeight = h, ImageWidth = w };
            config.Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointException($"{path}: invalid model configuration ({e.Message})", e);
        }
        return Build(path, config, tensors, $"the configuration ({config})");
    }

    /// <summary>
    /// Loads bare weights for <paramref name="config"/>: a safetensors state dict with or without metadata, under our tensor
    /// names or the PyTorch VAE example's (<c>fc1</c>, <c>fc21</c>, <c>fc22</c>, <c>fc3</c>, <c>fc4</c>; <see cref="StateDictNames.Auto"/>
    /// recognises them by <c>fc1.weight</c>). Every tensor must be there, of the configured shape and finite, and nothing else.
    /// </summary>
    public static LatentNetwork LoadStateDict(string path, ModelConfig config, StateDictNames names)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (!Enum.IsDefined(names)) throw new ArgumentOutOfRangeException(nameof(names), names, "unknown naming scheme");
        var (tensors, _) = SafeTensors.Read(path);
        bool torch = names == StateDictNames.PyTorchExample || (names == StateDictNames.Auto && tensors.Any(t => t.Name == "fc1.weight"));
        if (!torch) return Build(path, config, tensors, $"the configuration ({config})");
        if (config.Kind != ModelKind.Variational || config.Hidden.Count != 1)
            throw new ArgumentException($"the PyTorch example's names (fc1, fc21, fc22, fc3, fc4) describe a VAE with one hidden layer, but the configuration is {config}", nameof(config));
        var renamed = tensors.Select(t => t with { Name = ToOurs(t.Name) }).ToList();
        // A file with both fc1.weight and encoder.0.weight would give two tensors one name.
        var twice = renamed.Select((t, i) => (t.Name, Source: tensors[i].Name)).GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new CheckpointException($"{path}: {string.Join(" and ", twice.Select(t => $"'{t.Source}'"))} are the same tensor under the PyTorch example's names and ours");
        return Build(path, config, renamed, $"the configuration ({config}; PyTorch example names)");

        static string ToOurs(string name)
        {
            foreach (var (theirs, ours) in PyTorchExampleNames)
                if (name.StartsWith(theirs + ".", StringComparison.Ordinal)) return ours + name[theirs.Length..];
            return name;
        }
    }

    private static LatentNetwork Build(string path, ModelConfig config, IReadOnlyList<SafeTensor> tensors, string what)
    {
        // Count before building: a file whose metadata claims a huge architecture is refused without allocating it.
        long stored = tensors.Sum(t => (long)t.Data.Length), needed = config.ParameterCount();
        if (stored != needed)
            throw new CheckpointException($"{path}: the file holds {stored:N0} parameters but {what} has {needed:N0}");
        var model = LatentNetwork.Create(config);
        ParameterTensors.CopyInto(path, tensors, model, what);
        return model;
    }

    private static int? Int(IReadOnlyDictionary<string, string> metadata, string key)
        => metadata.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) ? x : null;

    /// <summary>The configuration as a small JSON object (also written to config.json by the CLI).</summary>
    public static string ConfigToJson(ModelConfig config)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteString("model", config.Kind == ModelKind.Variational ? "vae" : "ae");
            json.WriteNumber("input", config.InputSize);
            json.WriteStartArray("hidden");
            foreach (int h in config.Hidden) json.WriteNumberValue(h);
            json.WriteEndArray();
            json.WriteNumber("latent", config.Latent);
            json.WriteString("activation", config.Activation.ToString().ToLowerInvariant());
            json.WriteString("likelihood", config.Likelihood.ToString().ToLowerInvariant());
            if (config.ImageHeight > 0)
            {
                json.WriteNumber("image_height", config.ImageHeight);
                json.WriteNumber("image_width", config.ImageWidth);
                if (config.ImageChannels != 1) json.WriteNumber("image_channels", config.ImageChannels);
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Parses <see cref="ConfigToJson"/>'s output.</summary>
    public static ModelConfig ConfigFromJson(string text)
    {
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        string kind = root.GetProperty("model").GetString() ?? "";
        return new ModelConfig
        {
            Kind = kind switch { "vae" => ModelKind.Variational, "ae" => ModelKind.Autoencoder, _ => throw new FormatException($"unknown model kind '{kind}'") },
            InputSize = root.GetProperty("input").GetInt32(),
            Hidden = root.GetProperty("hidden").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            Latent = root.GetProperty("latent").GetInt32(),
            Activation = ParseEnum<ActivationKind>(root.GetProperty("activation").GetString()),
            Likelihood = ParseEnum<Likelihood>(root.GetProperty("likelihood").GetString()),
            ImageHeight = root.TryGetProperty("image_height", out var h) ? h.GetInt32() : 0,
            ImageWidth = root.TryGetProperty("image_width", out var w) ? w.GetInt32() : 0,
            ImageChannels = root.TryGetProperty("image_channels", out var c) ? c.GetInt32() : 1,
        };
    }

    // Names only: an enum's number ("2") is not an activation.
    private static T ParseEnum<T>(string? text) where T : struct, Enum
        => text is not null && !text.Any(char.IsDigit) && Enum.TryParse<T>(text, ignoreCase: true, out var v) && Enum.IsDefined(v)
            ? v : throw new FormatException($"unknown {typeof(T).Name} '{text}'");
}
