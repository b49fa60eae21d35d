namespace Vae.Simd;

/// <summary>
/// How <see cref="LatentModel.CheckGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, LossWeights?, GradientCheckOptions?)"/>
/// compares analytic gradients with finite differences. The defaults suit float32 gradients of losses up to a few thousand nats.
/// </summary>
public sealed record GradientCheckOptions
{
    /// <summary>Entries checked per tensor, drawn at random (seeded) when a tensor has more; 0 checks every entry.</summary>
    public int EntriesPerTensor { get; init; } = 64;

    /// <summary>The central difference's step h, in double: its truncation error O(h²·f‴) ≈ 1e−10 and its rounding error
    /// ≈ 1e−16·|L|/h ≈ 1e−9 for losses below 100 are both far inside the tolerances.</summary>
    public double Step { get; init; } = 1e-5;

    /// <summary>An entry passes when |analytic − numeric| ≤ RelativeTolerance·|numeric| + AbsoluteTolerance·scale, with
    /// scale = 1 + the largest |numeric| of the check. A float32 gradient summed over a few hundred terms is good to about
    /// 1e−5 of that scale, so 2e−3 and 2e−4 leave two orders of magnitude of margin, while a dropped or mis-scaled term moves
    /// entries by a sizeable fraction of their value.</summary>
    public double RelativeTolerance { get; init; } = 2e-3;

    /// <inheritdoc cref="RelativeTolerance"/>
    public double AbsoluteTolerance { get; init; } = 2e-4;

    /// <summary>Seeds the choice of entries.</summary>
    public ulong Seed { get; init; } = 1;

    internal GradientCheckOptions Validate()
    {
        if (EntriesPerTensor < 0) throw new ArgumentOutOfRangeException(nameof(EntriesPerTensor), EntriesPerTensor, "cannot check a negative number of entries");
        if (!(Step > 0 && Step < 1)) throw new ArgumentOutOfRangeException(nameof(Step), Step, "the step must be in (0, 1)");
        if (!(RelativeTolerance >= 0) || !double.IsFinite(RelativeTolerance)) throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), RelativeTolerance, "must be a finite number ≥ 0");
        if (!(AbsoluteTolerance >= 0) || !double.IsFinite(AbsoluteTolerance)) throw new ArgumentOutOfRangeException(nameof(AbsoluteTolerance), AbsoluteTolerance, "must be a finite number ≥ 0");
        return this;
    }
}

/// <summary>One parameter tensor's part of a <see cref="GradientCheckReport"/>.</summary>
/// <param name="Name">The tensor, e.g. <c>encoder.0.weight</c>.</param>
/// <param name="Entries">Its number of entries.</param>
/// <param name="Checked">Entries compared with a finite difference.</param>
/// <param name="SkippedAtKinks">Entries left out because a ±h step moved some ReLU/LeakyReLU pre-activation across 0: there the
/// finite difference measures a kink, not a derivative.</param>
/// <param name="Failed">Checked entries outside the tolerance.</param>
/// <param name="MaxRelativeError">The largest |analytic − numeric| / |numeric| over entries whose numeric gradient is above the absolute tolerance.</param>
/// <param name="MedianRelativeError">The median of the same.</param>
/// <param name="MaxScaledError">The largest |analytic − numeric| / scale: the error against the size of the whole gradient.</param>
/// <param name="WorstEntry">The entry furthest outside (or closest to) its tolerance, as "index: analytic …, numeric …".</param>
public sealed record TensorGradientCheck(string Name, int Entries, int Checked, int SkippedAtKinks, int Failed,
    double MaxRelativeError, double MedianRelativeError, double MaxScaledError, string WorstEntry)
{
    /// <summary>True when no checked entry failed.</summary>
    public bool Passed => Failed == 0;
}

/// <summary>What a gradient check found, tensor by tensor.</summary>
public sealed record GradientCheckReport
{
    /// <summary>One line per parameter tensor, in parameter order.</summary>
    public required IReadOnlyList<TensorGradientCheck> Tensors { get; init; }

    /// <summary>1 + the largest |numeric gradient| checked: the scale of <see cref="TensorGradientCheck.MaxScaledError"/>.</summary>
    public required double Scale { get; init; }

    /// <summary>The options the check ran with.</summary>
    public required GradientCheckOptions Options { get; init; }

    /// <summary>True when every checked entry is within tolerance and at least one entry was checked.</summary>
    public bool Passed => Tensors.All(t => t.Passed) && Tensors.Sum(t => t.Checked) > 0;

    /// <summary>A table: one line per tensor, then the verdict.</summary>
    public override string ToString()
    {
        var lines = new List<string> { $"{"tensor",-24} {"checked",8} {"kinks",6} {"failed",6} {"max rel",10} {"median rel",10} {"max scaled",10}" };
        foreach (var t in Tensors)
            lines.Add($"{t.Name,-24} {t.Checked,8} {t.SkippedAtKinks,6} {t.Failed,6} {t.MaxRelativeError,10:E2} {t.MedianRelativeError,10:E2} {t.MaxScaledError,10:E2}");
        lines.Add(Passed
            ? $"passed: every checked entry within {Options.RelativeTolerance:G3}·|numeric| + {Options.AbsoluteTolerance:G3}·{Scale:G4}"
            : $"FAILED: {Tensors.Sum(t => t.Failed)} entries outside {Options.RelativeTolerance:G3}·|numeric| + {Options.AbsoluteTolerance:G3}·{Scale:G4}; worst: "
              + string.Join("; ", Tensors.Where(t => !t.Passed).Select(t => $"{t.Name}[{t.WorstEntry}]")));
        return string.Join(Environment.NewLine, lines);
    }
}
