using System.CommandLine;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Kernels;
using Vae.Simd.Models;

namespace Vae.Cli;

/// <summary>Turns option text into typed values with one-line errors that name the option.</summary>
internal static class OptionParsing
{
    public static int[] Hidden(string text)
    {
        if (text.Trim() == "none") return [];
        if (string.IsNullOrWhiteSpace(text)) throw new CliError("--hidden: empty; give comma-separated widths (e.g. 400 or 512,256), or 'none' for no hidden layer");
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out widths[i]) || widths[i] <= 0)
                throw new CliError($"--hidden: '{text}' is not a comma-separated list of positive widths (e.g. 400 or 512,256)");
        return widths;
    }

    public static ModelKind Model(string text) => text.ToLowerInvariant() switch
    {
        "vae" => ModelKind.Variational,
        "ae" => ModelKind.Autoencoder,
        _ => throw new CliError($"--model: '{text}' is not one of vae, ae"),
    };

    public static ActivationKind Activation(string text) => text.ToLowerInvariant() switch
    {
        "relu" => ActivationKind.ReLU,
        "leakyrelu" => ActivationKind.LeakyReLU,
        "tanh" => ActivationKind.Tanh,
        "sigmoid" => ActivationKind.Sigmoid,
        "identity" => ActivationKind.Identity,
        _ => throw new CliError($"--activation: '{text}' is not one of relu, leakyrelu, tanh, sigmoid, identity"),
    };

    public static Likelihood Likelihood(string text) => text.ToLowerInvariant() switch
    {
        "bernoulli" => Simd.Likelihood.Bernoulli,
        "gaussian" => Simd.Likelihood.Gaussian,
        "gaussian-learned-variance" => Simd.Likelihood.GaussianLearnedVariance,
        _ => throw new CliError($"--likelihood: '{text}' is not one of bernoulli, gaussian, gaussian-learned-variance"),
    };

    /// <summary>The spelling of <paramref name="precision"/> that <c>--precision</c> takes and the outputs report.</summary>
    public static string Name(InferencePrecision precision) => precision.ToString().ToLowerInvariant();

    public static InferencePrecision Precision(string text) => text.ToLowerInvariant() switch
    {
        "float32" => InferencePrecision.Float32,
        "bfloat16" => InferencePrecision.BFloat16,
        "int8" => InferencePrecision.Int8,
        _ => throw new CliError($"--precision: '{text}' is not one of float32, bfloat16, int8"),
    };

    /// <summary>The <c>--precision</c> option of the commands that run a trained model.</summary>
    public static Option<string> PrecisionOption() => new("--precision")
    {
        Description = "Weights the model reads: float32 (as trained), bfloat16 (rounded: half the bytes per call, a little less exact) or int8 (quantized with each layer's input: a quarter of the bytes, less exact still)",
        DefaultValueFactory = _ => "float32",
    };

    public static OptimizerKind Optimizer(string text) => text.ToLowerInvariant() switch
    {
        "adam" => OptimizerKind.Adam,
        "sgd" => OptimizerKind.Sgd,
        _ => throw new CliError($"--optimizer: '{text}' is not one of adam, sgd"),
    };

    public static Objective Objective(string text) => text.ToLowerInvariant() switch
    {
        "elbo" => Simd.Objective.Elbo,
        "iwae" => Simd.Objective.Iwae,
        _ => throw new CliError($"--objective: '{text}' is not one of elbo, iwae"),
    };

    public static ScheduleKind Schedule(string text) => text.ToLowerInvariant() switch
    {
        "constant" => ScheduleKind.Constant,
        "burda" => ScheduleKind.Burda,
        _ => throw new CliError($"--schedule: '{text}' is not one of constant, burda"),
    };

    public static BinarizationMode Binarize(string text) => text.ToLowerInvariant() switch
    {
        "none" => BinarizationMode.None,
        "static" => BinarizationMode.Static,
        "dynamic" => BinarizationMode.Dynamic,
        _ => throw new CliError($"--binarize: '{text}' is not one of none, static, dynamic"),
    };

    /// <summary>"HxW" (or "H,W") whose product is the input size.</summary>
    public static (int Height, int Width) ImageSize(string text, int inputSize)
    {
        var parts = text.Split('x', 'X', ',');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int h) || !int.TryParse(parts[1], out int w) || h <= 0 || w <= 0)
            throw new CliError($"--image-size: '{text}' is not HxW (e.g. 28x28)");
        if ((long)h * w != inputSize) throw new CliError($"--image-size: {h}x{w} is {(long)h * w} values, but --input is {inputSize}");
        return (h, w);
    }

    /// <summary>A count with a sane upper bound: <paramref name="max"/> and what it costs are named in the error.</summary>
    public static int Bounded(int value, string option, int max, string why)
        => value >= 1 && value <= max ? value : throw new CliError($"{option}: {value} is not allowed; it must be 1 to {max:N0} ({why})");

    public static double Fraction(double value, string option)
        => double.IsFinite(value) && value >= 0 && value < 1 ? value : throw new CliError($"{option}: {value} is not allowed; it must be at least 0 and below 1");

    public static ScalingKind? Scaling(string text) => text.ToLowerInvariant() switch
    {
        "auto" => null,
        "none" => ScalingKind.None,
        "standardize" => ScalingKind.Standardize,
        "minmax" => ScalingKind.MinMax,
        _ => throw new CliError($"--scale: '{text}' is not one of auto, none, standardize, minmax"),
    };

    public static int Positive(int value, string option)
        => value > 0 ? value : throw new CliError($"{option}: {value} is not allowed; it must be at least 1");

    public static int NonNegative(int value, string option)
        => value >= 0 ? value : throw new CliError($"{option}: {value} is not allowed; it must be 0 or more");

    public static float PositiveFinite(float value, string option)
        => float.IsFinite(value) && value > 0 ? value : throw new CliError($"{option}: {value} is not allowed; it must be a positive number");

    public static int Threads(int value, string option)
        => value is >= 1 and <= TrainingOptions.MaxThreads ? value
            : throw new CliError($"{option}: {value} is not allowed; it must be 1 to {TrainingOptions.MaxThreads}");

    /// <summary>The two loss weights; both 0 would train nothing.</summary>
    public static LossWeights Weights(float reconstruction, float kl)
    {
        var weights = new LossWeights(Weight(reconstruction, "--recon-weight"), Weight(kl, "--kl-weight"));
        if (weights.Reconstruction == 0 && weights.Kl == 0)
            throw new CliError("--recon-weight and --kl-weight are both 0: the loss would be 0 and training would change nothing");
        return weights;
    }

    public static float Weight(float value, string option)
        => float.IsFinite(value) && value >= 0 ? value : throw new CliError($"{option}: {value} is not allowed; it must be a number ≥ 0");
}
