namespace Vae.Simd;

/// <summary>Training produced a non-finite loss; the parameters were not updated with it. An earlier step's update may already
/// have carried them out of range (its loss was finite, its result not), so the model can hold non-finite values: reload a
/// checkpoint rather than go on from it (<see cref="LatentModel.Save"/> refuses to write such a model).</summary>
public sealed class TrainingDivergedException(string message) : Exception(message)
{
    internal static void ThrowIfNotFinite(LossBreakdown loss, int epoch, long step)
    {
        if (!double.IsFinite(loss.Total))
            throw new TrainingDivergedException($"the loss became {loss.Total} at epoch {epoch + 1}, step {step}: training diverged (try a lower learning rate)");
    }
}
