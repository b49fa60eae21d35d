using Vae.Simd.Layers;

namespace Vae.Simd.Serialization;

/// <summary>The flat parameter buffer of a <see cref="ParameterLayout"/> to and from safetensors entries: what every checkpoint format here shares.</summary>
internal static class ParameterTensors
{
    /// <summary>One tensor per layout entry, under its name, copied out of <paramref name="parameters"/>.</summary>
    public static List<SafeTensor> From(ParameterLayout layout, float[] parameters)
        => layout.Tensors.Select(t => new SafeTensor(t.Name, t.Shape, parameters.AsSpan(t.Offset, t.Length).ToArray())).ToList();

    /// <summary>Copies <paramref name="tensors"/> into <paramref name="network"/>'s parameters and refreshes its transposed weights
    /// (the forward pass reads Wᵀ, so a copy without the refresh would run the freshly initialised weights): every layout
    /// entry must be present, finite and of its shape, and nothing else may be there. <paramref name="what"/> names the
    /// architecture in shape errors.</summary>
    public static void CopyInto(string path, IReadOnlyList<SafeTensor> tensors, Network network, string what)
    {
        ParameterLayout layout = network.Layout;
        float[] parameters = network.Parameters;
        var byName = tensors.ToDictionary(t => t.Name);
        foreach (var expected in layout.Tensors)
        {
            if (!byName.Remove(expected.Name, out var t))
                throw new CheckpointException($"{path}: tensor '{expected.Name}' is missing");
            if (!t.Shape.SequenceEqual(expected.Shape))
                throw new CheckpointException($"{path}: tensor '{expected.Name}' has shape [{string.Join(", ", t.Shape)}] but {what} needs [{string.Join(", ", expected.Shape)}]");
            int bad = Array.FindIndex(t.Data, v => !float.IsFinite(v));
            if (bad >= 0) throw new CheckpointException($"{path}: tensor '{expected.Name}' holds {t.Data[bad]} at index {bad}");
            t.Data.CopyTo(parameters.AsSpan(expected.Offset, expected.Length));
        }
        if (byName.Count > 0)
            throw new CheckpointException($"{path}: unexpected tensor(s) {string.Join(", ", byName.Keys.Select(k => $"'{k}'"))} for {what}");
        network.ParametersChanged();
    }
}
