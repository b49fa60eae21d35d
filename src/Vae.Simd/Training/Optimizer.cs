namespace Vae.Simd.Training;

/// <summary>
/// An optimizer over a model's flat parameter buffer. A step is <see cref="BeginStep"/> once, then
/// <see cref="Update"/> over disjoint chunks, possibly from several threads at once: each element's
/// update depends only on its own parameter, gradient and state, so chunking never changes the result.
/// </summary>
internal abstract class Optimizer
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; }

    /// <summary>Number of steps begun.</summary>
    public long Steps { get; private set; }

    /// <summary>Number of parameters this optimizer keeps state for.</summary>
    public int Count { get; }

    /// <summary>State for <paramref name="count"/> parameters.</summary>
    protected Optimizer(int count, float learningRate)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "an optimizer needs parameters");
        if (!float.IsFinite(learningRate) || learningRate <= 0) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the learning rate must be positive and finite");
        Count = count;
        LearningRate = learningRate;
    }

    /// <summary>The optimizer's per-parameter state (moments, velocity), by name, for checkpoints that resume training exactly.</summary>
    internal abstract IReadOnlyList<(string Name, float[] Values)> State { get; }

    /// <summary>Restores a checkpoint's state: every tensor of <see cref="State"/> (same names and lengths, finite, and within
    /// <see cref="Admits"/>), nothing else, and the step count. Nothing is changed unless all of it is valid: a corrupt moment
    /// would otherwise surface steps later as a diverged loss.</summary>
    internal void Restore(IReadOnlyDictionary<string, float[]> state, long steps)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a step count cannot be negative");
        var mine = State;
        foreach (var (name, values) in mine)
        {
            if (!state.TryGetValue(name, out var saved)) throw new ArgumentException($"the optimizer state '{name}' is missing", nameof(state));
            if (saved.Length != values.Length) throw new ArgumentException($"the optimizer state '{name}' has {saved.Length} values, not {values.Length}", nameof(state));
            int bad = Array.FindIndex(saved, v => !float.IsFinite(v) || !Admits(name, v));
            if (bad >= 0) throw new ArgumentException($"the optimizer state '{name}' holds {saved[bad]} at index {bad}, which it cannot hold", nameof(state));
        }
        var unexpected = state.Keys.Where(k => !mine.Any(m => m.Name == k)).ToList();
        if (unexpected.Count > 0)
            throw new ArgumentException($"optimizer state {string.Join(", ", unexpected.Select(k => $"'{k}'"))} does not belong to this optimizer ({string.Join(", ", mine.Select(m => $"'{m.Name}'"))})", nameof(state));
        foreach (var (name, values) in mine) state[name].CopyTo(values, 0);
        Steps = steps;
    }

    /// <summary>Whether a finite <paramref name="value"/> can be part of the state tensor <paramref name="name"/> (all can,
    /// unless an optimizer says otherwise).</summary>
    private protected virtual bool Admits(string name, float value) => true;

    /// <summary>Starts step t + 1 (bias corrections and schedules read the count).</summary>
    public virtual void BeginStep() => Steps++;

    /// <summary>Updates parameters [offset, offset + parameters.Length) from their gradients.</summary>
    public abstract void Update(int offset, Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>One whole step on one thread.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != Count) throw new ArgumentException($"parameters has length {parameters.Length} but the optimizer was made for {Count}", nameof(parameters));
        if (gradients.Length != Count) throw new ArgumentException($"gradients has length {gradients.Length} but the optimizer was made for {Count}", nameof(gradients));
        BeginStep();
        Update(0, parameters, gradients);
    }

    private protected void CheckChunk(int offset, int parameters, int gradients)
    {
        if (gradients != parameters) throw new ArgumentException($"gradients has length {gradients} but parameters has {parameters}", nameof(gradients));
        if (offset < 0 || offset + parameters > Count) throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + parameters}) is outside the optimizer's {Count} parameters");
        if (Steps == 0) throw new InvalidOperationException("call BeginStep before Update");
    }
}
