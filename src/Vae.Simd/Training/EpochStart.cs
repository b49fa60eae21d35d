namespace Vae.Simd.Training;

/// <summary>
/// The parameters and the optimizer's state as an epoch began, so that a diverged epoch can be undone: the loss is checked
/// before each update, so the update that overflows is only seen a step later (or at the epoch's end), when the parameters
/// already hold infinities. For the canonical VAE the copy and the end-of-epoch scan take well under a millisecond against an
/// epoch of half a second (benchmarks/RESULTS.md); a copy per step would cost the step about as much as the optimizer itself.
/// </summary>
internal sealed class EpochStart(float[] parameters, Optimizer optimizer)
{
    private readonly float[] _parameters = new float[parameters.Length];
    private readonly Dictionary<string, float[]> _state = optimizer.State.ToDictionary(s => s.Name, s => new float[s.Values.Length]);
    private long _steps;

    /// <summary>Copies the current parameters and optimizer state.</summary>
    public void Keep()
    {
        parameters.CopyTo(_parameters, 0);
        foreach (var (name, values) in optimizer.State) values.CopyTo(_state[name], 0);
        _steps = optimizer.Steps;
    }

    /// <summary>Puts back what <see cref="Keep"/> copied.</summary>
    public void Restore()
    {
        _parameters.CopyTo(parameters, 0);
        optimizer.Restore(_state, _steps);
    }
}
