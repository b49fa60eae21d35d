namespace Vae.Simd;

/// <summary>Training produced a non-finite loss or parameter. <see cref="LatentModel.Fit"/> then leaves the model (its parameters
/// and the optimizer's state) as it was when the failing epoch began: the update that overflows has a finite loss, so it is
/// only seen a step later, and the epoch is undone whole.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message)
{
    internal static void ThrowIfNotFinite(LossBreakdown loss, int epoch, long step)
    {
        if (!double.IsFinite(loss.Total))
            throw new TrainingDivergedException($"the loss became {loss.Total} at epoch {epoch + 1}, step {step}: training diverged (try a lower learning rate)");
    }
}
