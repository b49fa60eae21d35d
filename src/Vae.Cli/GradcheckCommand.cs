using System.CommandLine;
using Vae.Simd;
using Vae.Simd.Common;
using Vae.Simd.Data;
using Vae.Simd.Kernels;
using Vae.Simd.Models;
using Vae.Simd.Training;

namespace Vae.Cli;

/// <summary><c>vae gradcheck</c>: a model's hand-derived gradients against finite differences, tensor by tensor; with
/// <c>--trainer</c> also the fused training step against the reference step.</summary>
internal static class GradcheckCommand
{
    /// <summary>The exit code of a check that failed.</summary>
    public const int Failed = 4;

    internal sealed record Settings(ModelConfig Config, string? ModelPath, int Rows, ulong Seed, LossWeights Weights, GradientCheckOptions Options, bool Trainer);

    public static Command Create(TextWriter stdout)
    {
        var modelDir = new Option<string?>("--model") { Description = "Check this trained model (a directory holding model.safetensors, or the file); else a new one of the architecture below" };
        var kind = new Option<string>("--kind") { Description = "vae or ae (without --model)", DefaultValueFactory = _ => "vae" };
        var input = new Option<int>("--input") { Description = "Values per row (without --model)", DefaultValueFactory = _ => 784 };
        var hidden = new Option<string>("--hidden") { Description = "Encoder hidden widths (without --model)", DefaultValueFactory = _ => "400" };
        var latent = new Option<int>("--latent") { Description = "Latent dimension (without --model)", DefaultValueFactory = _ => 20 };
        var activation = new Option<string>("--activation") { Description = "relu, leakyrelu, tanh, sigmoid or identity (without --model)", DefaultValueFactory = _ => "relu" };
        var likelihood = new Option<string>("--likelihood") { Description = "bernoulli or gaussian (without --model)", DefaultValueFactory = _ => "bernoulli" };
        var rows = new Option<int>("--rows") { Description = "Rows in the checked batch (uniform in [0, 1])", DefaultValueFactory = _ => 4 };
        var recWeight = new Option<float>("--recon-weight") { Description = "Weight of the reconstruction term", DefaultValueFactory = _ => 1f };
        var klWeight = new Option<float>("--kl-weight") { Description = "Weight of the KL term", DefaultValueFactory = _ => 1f };
        var entries = new Option<int>("--entries") { Description = "Entries checked per tensor, at random (0 = all)", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "Seed of the initialisation, the rows, the noise and the entries checked", DefaultValueFactory = _ => 1 };
        var trainer = new Option<bool>("--trainer") { Description = "Also check that one fused training step (2 threads, 2 shards) leaves the same parameters as the reference step" };
        var command = new Command("gradcheck", "Check every parameter's hand-derived gradient against finite differences of an independent double-precision loss; exit code 4 on a failure.")
        {
            modelDir, kind, input, hidden, latent, activation, likelihood, rows, recWeight, klWeight, entries, seed, trainer,
        };
        command.SetAction(parse =>
        {
            var settings = new Settings(
                new ModelConfig
                {
                    Kind = OptionParsing.Model(parse.GetValue(kind)!),
                    InputSize = OptionParsing.Positive(parse.GetValue(input), "--input"),
                    Hidden = OptionParsing.Hidden(parse.GetValue(hidden)!),
                    Latent = OptionParsing.Positive(parse.GetValue(latent), "--latent"),
                    Activation = OptionParsing.Activation(parse.GetValue(activation)!),
                    Likelihood = OptionParsing.Likelihood(parse.GetValue(likelihood)!),
                },
                parse.GetValue(modelDir),
                OptionParsing.Positive(parse.GetValue(rows), "--rows"),
                (ulong)OptionParsing.NonNegative(parse.GetValue(seed), "--seed"),
                OptionParsing.Weights(parse.GetValue(recWeight), parse.GetValue(klWeight)),
                new GradientCheckOptions { EntriesPerTensor = OptionParsing.NonNegative(parse.GetValue(entries), "--entries"), Seed = (ulong)parse.GetValue(seed) },
                parse.GetValue(trainer));
            if (settings.Rows > 1000) throw new CliError($"--rows: {settings.Rows} is too many for a double-precision check (at most 1000; a few suffice)");
            return Run(settings, stdout);
        });
        return command;
    }

    /// <summary>Runs the check; <paramref name="gradientOf"/> (tests only) replaces the model's own gradient to plant a bug.</summary>
    internal static int Run(Settings s, TextWriter stdout, Func<LatentModel, float[], float[], float[]>? gradientOf = null)
    {
        using var model = s.ModelPath is { } path ? ImageCommands.LoadModel(path) : LatentModel.Create(s.Config, s.Seed);
        var random = new SeededRandom(s.Seed ^ 0x6C4ECAUL);
        var x = Enumerable.Range(0, s.Rows * model.InputSize).Select(_ => random.NextSingle()).ToArray();
        var epsilon = new float[model.Config.Kind == ModelKind.Variational ? s.Rows * model.Latent : 0];
        new NoiseSource(s.Seed).Fill(new Simd.Tensors.MatrixSpan(epsilon, epsilon.Length == 0 ? 0 : s.Rows, model.Latent), 0);

        stdout.WriteLine($"gradient check of {model.Config} ({model.ParameterCount:N0} parameters), {s.Rows} rows, weights ({s.Weights.Reconstruction}, {s.Weights.Kl}), "
            + $"{(s.Options.EntriesPerTensor == 0 ? "every entry" : $"{s.Options.EntriesPerTensor} entries per tensor")}, seed {s.Seed}");
        var report = gradientOf is null
            ? model.CheckGradients(x, epsilon, s.Weights, s.Options)
            : model.CheckGradients(x, epsilon, gradientOf(model, x, epsilon), s.Weights, s.Options);
        stdout.WriteLine(report.ToString());
        bool passed = report.Passed;
        if (s.Trainer)
        {
            int differing = FusedAgainstReference(model, x, s);
            stdout.WriteLine(differing == 0
                ? "trainer: one fused step (2 threads, 2 shards) and one reference step leave the same parameters, bit for bit"
                : $"trainer: FAILED: {differing} parameters differ between the fused and the reference step");
            passed &= differing == 0;
        }
        return passed ? 0 : Failed;
    }

    /// <summary>One Adam step by each path from the model's parameters on the same rows and noise; the number of parameters that differ.</summary>
    private static int FusedAgainstReference(LatentModel model, float[] x, Settings s)
    {
        var data = Dataset.FromArray(x, model.InputSize);
        var reference = LatentNetwork.Create(model.Config);
        var fused = LatentNetwork.Create(model.Config);
        var start = model.GetParameters();
        reference.SetParameters(start);
        fused.SetParameters(start);
        int[] order = Enumerable.Range(0, s.Rows).ToArray();
        var batch = new BatchContext(order, 0, s.Rows, 0, s.Weights);
        using (var step = new ReferenceStep(new LatentProblem(reference, data, s.Seed, BinarizationMode.None), new Adam(start.Length), s.Rows))
            step.Step(batch);
        using (var pool = new WorkerPool(2))
        using (var step = new FusedStep(new LatentProblem(fused, data, s.Seed, BinarizationMode.None), new Adam(start.Length), s.Rows, Math.Max(1, (s.Rows + 1) / 2), pool))
            step.Step(batch);
        int differing = 0;
        for (int i = 0; i < start.Length; i++)
            if (BitConverter.SingleToInt32Bits(reference.Parameters[i]) != BitConverter.SingleToInt32Bits(fused.Parameters[i])) differing++;
        return differing;
    }
}
