using System.Text.Json;
using Vae.Simd.Training;

namespace Vae.Simd;

/// <summary>
/// The optimizer of a model's training and its settings, kept between <see cref="LatentModel.Fit"/> calls and written into
/// checkpoints, so that training resumes exactly where it stopped. (Shuffling, noise and binarization need no state: they are
/// keyed by the seed, the epoch and the row's position.)
/// </summary>
internal sealed class TrainingSession
{
    private Optimizer? _optimizer;
    private TrainingOptions? _settings;

    /// <summary>The optimizer from the last Fit when its kind and hyper-parameters are unchanged (the learning rate may
    /// change: schedules do that), else a fresh one.</summary>
    public Optimizer OptimizerFor(TrainingOptions options, int parameters)
    {
        if (_optimizer is null || _settings is null || !SameOptimizer(_settings, options))
            _optimizer = options.Optimizer == OptimizerKind.Sgd
                ? new Sgd(parameters, options.LearningRate, options.Momentum)
                : new Adam(parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon);
        _settings = options;
        return _optimizer;
    }

    private static bool SameOptimizer(TrainingOptions a, TrainingOptions b)
        => a.Optimizer == b.Optimizer && a.AdamBeta1 == b.AdamBeta1 && a.AdamBeta2 == b.AdamBeta2 && a.AdamEpsilon == b.AdamEpsilon && a.Momentum == b.Momentum;

    /// <summary>The metadata entry that describes the optimizer of a checkpoint.</summary>
    public const string MetadataKey = "training_state";

    /// <summary>The optimizer's tensors and a JSON description of it, or nothing before the first Fit.</summary>
    public (IReadOnlyList<(string Name, float[] Values)> Tensors, string Description)? Snapshot()
    {
        if (_optimizer is null || _settings is null) return null;
        var s = _settings;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("optimizer", s.Optimizer.ToString().ToLowerInvariant());
            json.WriteNumber("adam_beta1", s.AdamBeta1);
            json.WriteNumber("adam_beta2", s.AdamBeta2);
            json.WriteNumber("adam_epsilon", s.AdamEpsilon);
            json.WriteNumber("momentum", s.Momentum);
            json.WriteNumber("learning_rate", _optimizer.LearningRate);
            json.WriteNumber("steps", _optimizer.Steps);
            json.WriteEndObject();
        }
        string text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        return (_optimizer.State, text);
    }

    /// <summary>Rebuilds the session a checkpoint describes; throws <see cref="FormatException"/> or <see cref="ArgumentException"/> on a bad one.</summary>
    public static TrainingSession Restore(string description, IReadOnlyDictionary<string, float[]> tensors, int parameters)
    {
        using var document = JsonDocument.Parse(description);
        var d = document.RootElement;
        JsonElement Get(string key) => d.TryGetProperty(key, out var v) ? v : throw new FormatException($"the training state has no '{key}'");
        float Float(string key) => Get(key).GetSingle();
        var options = new TrainingOptions
        {
            Optimizer = Get("optimizer").GetString() switch { "adam" => OptimizerKind.Adam, "sgd" => OptimizerKind.Sgd, var o => throw new FormatException($"unknown optimizer '{o}'") },
            AdamBeta1 = Float("adam_beta1"), AdamBeta2 = Float("adam_beta2"), AdamEpsilon = Float("adam_epsilon"), Momentum = Float("momentum"),
            LearningRate = Float("learning_rate"),
        }.Validate();
        var session = new TrainingSession();
        var optimizer = session.OptimizerFor(options, parameters);
        optimizer.Restore(tensors, Get("steps").GetInt64());
        return session;
    }
}
