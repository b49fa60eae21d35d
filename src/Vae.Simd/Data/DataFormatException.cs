namespace Vae.Simd;

/// <summary>Thrown when a data file is missing, truncated, corrupt or inconsistent with its partner.</summary>
public sealed class DataFormatException(string message, Exception? inner = null) : Exception(message, inner);
