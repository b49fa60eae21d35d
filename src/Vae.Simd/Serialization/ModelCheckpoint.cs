using System.Text.Json;
using Vae.Simd.Kernels;
using Vae.Simd.Models;

namespace Vae.Simd.Serialization;

/// <summary>
/// Saves and loads a <see cref="LatentNetwork"/> as safetensors: one F32 tensor per parameter under its
/// PyTorch name, and the architecture in <c>__metadata__</c> ("format" and a "config" JSON object), so the
/// file alone rebuilds the model.
/// </summary>
internal static class ModelCheckpoint
{
    /// <summary>The value of the "format" metadata entry.</summary>
    public const string Format = "vae-simd/1";

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(LatentNetwork model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var tensors = ParameterTensors.From(model.Layout, model.Parameters);
        var metadata = new Dictionary<string, string> { ["format"] = Format, ["config"] = ConfigToJson(model.Config) };
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) metadata.TryAdd(k, v);
        SafeTensors.Write(path, tensors, metadata);
    }

    /// <summary>Reads a checkpoint and rebuilds its model; every tensor must be present, finite and of the configured shape.</summary>
    public static LatentNetwork Load(string path) => Load(path, out _);

    /// <summary>As <see cref="Load(string)"/>, also returning the file's metadata.</summary>
    public static LatentNetwork Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        (var tensors, metadata) = SafeTensors.Read(path);
        if (!metadata.TryGetValue("config", out var configJson))
            throw new CheckpointException($"{path}: no model configuration in __metadata__ (not written by Vae.Simd?)");
        ModelConfig config;
        try { config = ConfigFromJson(configJson).Validate(); }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointException($"{path}: invalid model configuration ({e.Message})", e);
        }
        var model = LatentNetwork.Create(config);
        ParameterTensors.CopyInto(path, tensors, model.Layout, model.Parameters, $"the configuration ({config})");
        return model;
    }

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
        };
    }

    private static T ParseEnum<T>(string? text) where T : struct, Enum
        => Enum.TryParse<T>(text, ignoreCase: true, out var v) && Enum.IsDefined(v) ? v : throw new FormatException($"unknown {typeof(T).Name} '{text}'");
}
