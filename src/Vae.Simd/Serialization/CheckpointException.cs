namespace Vae.Simd;

/// <summary>A checkpoint that cannot be read: the message says which file and what is wrong.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
