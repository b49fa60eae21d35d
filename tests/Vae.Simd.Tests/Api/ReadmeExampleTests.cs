using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Vae.Cli;

namespace Vae.Simd.Tests.Api;

[CollectionDefinition("process-wide state", DisableParallelization = true)]
public class ProcessWideStateCollection;

/// <summary>README's "Use it from C#" program, compiled with Roslyn against the library and run, so that it cannot go stale.
/// It changes the current directory and Console.Out while it runs, so it runs alone.</summary>
[Collection("process-wide state")]
public sealed class ReadmeExampleTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "vae-simd-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    /// <summary>The first C# block after the "Use it from C#" heading.</summary>
    internal static string ExampleCode()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int section = readme.IndexOf("## Use it from C#", StringComparison.Ordinal);
        Assert.True(section >= 0, "README has no 'Use it from C#' section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vae.Simd.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (Vae.Simd.sln) is not above the test binaries");
    }

    [Fact]
    public void The_README_example_compiles_and_runs()
    {
        string code = ExampleCode();
        // The one change for the test: 1 epoch instead of 10 (the example's point is the API, not the loss).
        Assert.Contains("Epochs = 10", code);
        code = code.Replace("Epochs = 10", "Epochs = 1");

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(LatentModel).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        // What `dotnet new console` gives every file: the SDK's implicit global usings.
        const string implicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; "
            + "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("ReadmeExample",
            [CSharpSyntaxTree.ParseText(code, parse), CSharpSyntaxTree.ParseText(implicitUsings, parse)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: false));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        var warnings = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).ToList();
        Assert.True(warnings.Count == 0, "the README example compiles with warnings:\n" + string.Join("\n", warnings));

        // Run it where it expects to be: beside a data/mnist folder, writing runs/ there.
        Directory.CreateDirectory(Path.Combine(_work, "data"));
        Directory.CreateSymbolicLink(Path.Combine(_work, "data", "mnist"), VaeCommand.DefaultDataDirectory());
        var context = new AssemblyLoadContext("readme", isCollectible: true);
        var assembly = context.LoadFromStream(new MemoryStream(image.ToArray()));
        var output = new StringWriter();
        string previousDirectory = Environment.CurrentDirectory;
        var previousOut = Console.Out;
        try
        {
            Environment.CurrentDirectory = _work;
            Console.SetOut(TextWriter.Synchronized(output));
            var entry = assembly.EntryPoint!;
            entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        catch (TargetInvocationException e) { throw e.InnerException!; }
        finally
        {
            Console.SetOut(previousOut);
            Environment.CurrentDirectory = previousDirectory;
            context.Unload();
        }
        string text = output.ToString();
        Assert.True(File.Exists(Path.Combine(_work, "runs", "mnist", "model.safetensors")), text);
        Assert.Contains("test loss", text);
        Assert.Contains("16 codes, 16 decoded, 64 sampled", text);
        Assert.Contains("z₀ of test image 0", text);
    }
}
