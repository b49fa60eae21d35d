using System.CommandLine;
using System.Text.Json;
using Vae.Simd;
using Vae.Simd.Serialization;

namespace Vae.Cli;

/// <summary><c>vae import</c>: weights trained elsewhere (a safetensors state dict, e.g. PyTorch's) into a model folder every other command reads.</summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var weights = new Option<string>("--weights") { Description = "A safetensors state dict (no metadata needed): Vae.Simd's tensor names or the PyTorch VAE example's (fc1, fc21, fc22, fc3, fc4)", Required = true };
        var names = new Option<string>("--names") { Description = "auto (fc1.weight means the PyTorch example's names), vae-simd or pytorch-example", DefaultValueFactory = _ => "auto" };
        var model = new Option<string>("--model") { Description = "vae or ae", DefaultValueFactory = _ => "vae" };
        var input = new Option<int>("--input") { Description = "Values per row", DefaultValueFactory = _ => 784 };
        var image = new Option<string?>("--image-size") { Description = "HxW of the rows as images (default: square when the input size is a square, e.g. 28x28)" };
        var hidden = new Option<string>("--hidden") { Description = "Encoder hidden widths, comma-separated (the decoder mirrors them)", DefaultValueFactory = _ => "400" };
        var latent = new Option<int>("--latent") { Description = "Latent dimension", DefaultValueFactory = _ => 20 };
        var activation = new Option<string>("--activation") { Description = "relu, leakyrelu, tanh, sigmoid or identity (no nonlinearity)", DefaultValueFactory = _ => "relu" };
        var likelihood = new Option<string>("--likelihood") { Description = "bernoulli or gaussian", DefaultValueFactory = _ => "bernoulli" };
        var output = new Option<string>("--out") { Description = "Model directory to write (model.safetensors, config.json)", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite a model already in --out" };
        var command = new Command("import", "Read a state dict trained elsewhere (e.g. the PyTorch VAE example's) for a given architecture and write a model folder.")
        {
            weights, names, model, input, image, hidden, latent, activation, likelihood, output, force,
        };
        command.SetAction(parse =>
        {
            int inputSize = OptionParsing.Positive(parse.GetValue(input), "--input");
            var (height, width) = parse.GetValue(image) is { } text ? OptionParsing.ImageSize(text, inputSize) : ImageCommands.ImageShape(new ModelConfig { InputSize = inputSize });
            var config = new ModelConfig
            {
                Kind = OptionParsing.Model(parse.GetValue(model)!),
                InputSize = inputSize,
                Hidden = OptionParsing.Hidden(parse.GetValue(hidden)!),
                Latent = OptionParsing.Positive(parse.GetValue(latent), "--latent"),
                Activation = OptionParsing.Activation(parse.GetValue(activation)!),
                Likelihood = OptionParsing.Likelihood(parse.GetValue(likelihood)!),
                ImageHeight = height == 1 ? 0 : height,
                ImageWidth = height == 1 ? 0 : width,
            };
            var naming = parse.GetValue(names)!.ToLowerInvariant() switch
            {
                "auto" => StateDictNames.Auto,
                "vae-simd" => StateDictNames.VaeSimd,
                "pytorch-example" => StateDictNames.PyTorchExample,
                var other => throw new CliError($"--names: '{other}' is not one of auto, vae-simd, pytorch-example"),
            };
            string dir = parse.GetValue(output)!, path = Path.Combine(dir, "model.safetensors"), source = parse.GetValue(weights)!;
            OutputFiles.OutputDirectory(dir, "--out");
            if (!File.Exists(source)) throw new CliError($"--weights: {source} not found");
            using var imported = LatentModel.LoadStateDict(source, config, naming);
            // A model folder holds one run: --force removes every file of an earlier one (its checkpoint, metrics, pictures),
            // not only the two written here, so that --resume or score never read a mix of two models.
            using var folder = RunFolder.Claim(dir, "--out");
            folder.ReplaceEarlierRun(TrainCommand.RunFiles, parse.GetValue(force), "an earlier run's output");
            imported.Save(path);
            AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), Json.Object(json =>
            {
                json.WritePropertyName("model");
                using (var doc = JsonDocument.Parse(ModelCheckpoint.ConfigToJson(imported.Config))) doc.WriteTo(json);
                json.WriteString("imported_from", Path.GetFullPath(source));
            }));
            stdout.WriteLine($"imported {imported.Config} ({imported.ParameterCount:N0} parameters) from {source} into {path}");
            return 0;
        });
        return command;
    }
}
