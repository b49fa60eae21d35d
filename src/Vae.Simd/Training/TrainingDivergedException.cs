namespace Vae.Simd;

/// <summary>Training produced a non-finite loss; the parameters were not updated with it.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message)
{
    internal static void ThrowIfNotFinite(LossBreakdown loss, int epoch, long step)
    {
        if (!double.IsFinite(loss.Total))
            throw new TrainingDivergedException($"the loss became {loss.Total} at epoch {epoch + 1}, step {step}: training diverged (try a lower learning rate)");
    }
}
