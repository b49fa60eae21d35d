using System.Text.RegularExpressions;
using Vae.Simd.Tests.Api;

namespace Vae.Simd.Tests.Architecture;

/// <summary>
/// Dependencies flow one way: Common ← Tensors ← Kernels ← Layers ← Models ← Training ← Evaluation ← the public API in the
/// library's root folder; Data and Serialization sit beside them (Data uses Common and Tensors; Serialization also Layers and
/// Models). The test reads every source file of the library and checks which folders' namespaces and root types it names.
/// </summary>
public partial class LayeringTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Common"] = [],
        ["Tensors"] = ["Common"],
        ["Kernels"] = ["Common", "Tensors"],
        ["Layers"] = ["Common", "Tensors", "Kernels"],
        ["Models"] = ["Common", "Tensors", "Kernels", "Layers"],
        ["Data"] = ["Common", "Tensors"],
        ["Serialization"] = ["Common", "Tensors", "Kernels", "Layers", "Models"],
        ["Training"] = ["Common", "Tensors", "Kernels", "Layers", "Models", "Data"],
        ["Evaluation"] = ["Common", "Tensors", "Kernels", "Layers", "Models", "Data", "Serialization", "Training"],
    };

    [GeneratedRegex(@"\bVae\.Simd\.(\w+)")]
    private static partial Regex NamespaceReference();

    [GeneratedRegex(@"^\s*(///|//).*$", RegexOptions.Multiline)]
    private static partial Regex Comment();

    [Fact]
    public void Each_folder_uses_only_the_layers_below_it()
    {
        string library = Path.Combine(ReadmeExampleTests.RepositoryRoot(), "src", "Vae.Simd");
        // The public facade's own types (files in the root folder) are the top layer: nothing below may name them.
        var facade = Directory.GetFiles(library, "*.cs").Select(Path.GetFileNameWithoutExtension).Select(n => n!.Split('.')[0]).Distinct().ToArray();
        var violations = new List<string>();
        foreach (var (folder, allowed) in Allowed)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(library, folder), "*.cs", SearchOption.AllDirectories))
            {
                string code = Comment().Replace(File.ReadAllText(file), "");
                foreach (Match m in NamespaceReference().Matches(code))
                {
                    string used = m.Groups[1].Value;
                    if (used != folder && Allowed.ContainsKey(used) && !allowed.Contains(used))
                        violations.Add($"{folder}/{Path.GetFileName(file)} uses Vae.Simd.{used}");
                }
                foreach (var type in facade)
                    if (Regex.IsMatch(code, $@"(?<![.\w]){type}\b(?!Network|\s*,)"))
                        violations.Add($"{folder}/{Path.GetFileName(file)} names the public facade's {type}");
            }
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations.Distinct()));
        Assert.True(Allowed.Keys.All(f => Directory.Exists(Path.Combine(library, f))), "a layer folder is missing");
        Assert.Equal(Allowed.Keys.Order(), Directory.GetDirectories(library).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Order());
    }
}
