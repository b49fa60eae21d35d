using System.CommandLine;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Serialization;
using Vae.Simd.Training;

namespace Vae.Cli;

/// <summary>The <c>vae</c> command line: parsing and error reporting. Each subcommand lives in its own file.</summary>
internal static class VaeCommand
{
    /// <summary>Runs the command line; returns the exit code (0 ok, 1 usage, 2 a problem with inputs, 3 training diverged).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, CancellationToken.None);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="interrupt"/> stops a training between two steps.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken interrupt)
    {
        var root = new RootCommand("Vae.Simd: train and use variational autoencoders on the CPU.");
        root.Subcommands.Add(TrainCommand.Create(stdout, interrupt));
        root.Subcommands.Add(ImageCommands.CreateSample(stdout));
        root.Subcommands.Add(ImageCommands.CreateReconstruct(stdout));
        root.Subcommands.Add(EvaluateCommand.Create(stdout));
        root.Subcommands.Add(LatentCommands.CreateInterpolate(stdout));
        root.Subcommands.Add(LatentCommands.CreateTraverse(stdout));
        root.Subcommands.Add(LatentCommands.CreateLatent(stdout));
        root.Subcommands.Add(CodeCommands.CreateEncode(stdout));
        root.Subcommands.Add(CodeCommands.CreateDecode(stdout));
        root.Subcommands.Add(CodeCommands.CreateScore(stdout));
        root.Subcommands.Add(ExperimentCommand.Create(stdout));
        root.Subcommands.Add(ImportCommand.Create(stdout));
        root.Subcommands.Add(GradcheckCommand.Create(stdout));

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) stderr.WriteLine($"vae: {error.Message}");
            stderr.WriteLine("vae: see 'vae --help'");
            return 1;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is CliError or DataFormatException or CheckpointException)
        {
            stderr.WriteLine($"vae: {OneLine(e.Message)}");
            return 2;
        }
        catch (TrainingDivergedException e)
        {
            stderr.WriteLine($"vae: {OneLine(e.Message)}");
            return 3;
        }
        catch (RunInterruptedException e)
        {
            stderr.WriteLine($"vae: {OneLine(e.Message)}");
            return 130;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"vae: {OneLine(e.Message)}");
            return 2;
        }
    }

    /// <summary>A message on one line: ArgumentOutOfRangeException puts "Actual value was …" on a line of its own.</summary>
    private static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The repository's data/mnist, looked for from the current directory upward, then from the program's own folder upward.</summary>
    public static string DefaultDataDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "data", "mnist");
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        throw new CliError("no data/mnist directory found above the current directory; pass --data DIR");
    }
}
