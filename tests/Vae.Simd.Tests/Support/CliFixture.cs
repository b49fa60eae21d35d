using Vae.Cli;

namespace Vae.Simd.Tests.Support;

/// <summary>A small synthetic dataset, a scratch output directory removed afterwards, and a way to run <c>vae</c> in-process.</summary>
public abstract class CliFixture : IDisposable
{
    private protected SyntheticData Data { get; } = new(train: 256, test: 64, side: 8);
    protected string Out { get; } = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Data.Dispose();
        if (Directory.Exists(Out)) Directory.Delete(Out, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs the command line with captured output: (exit code, stdout, stderr).</summary>
    protected static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = VaeCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
