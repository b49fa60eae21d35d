namespace Vae.Simd;

/// <summary>Training produced a non-finite loss; parameters were not updated with it.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
