namespace Vae.Simd;

/// <summary>The weights a model's inference calls read (<see cref="LatentModel.InferencePrecision"/>). Arithmetic is float32 in
/// both; training always reads and updates float32 weights.</summary>
public enum InferencePrecision
{
    /// <summary>The trained float32 weights, exactly (the default).</summary>
    Float32,
    /// <summary>The weights rounded to the nearest bfloat16 (8 significant bits). The calls of one to four rows read half the
    /// bytes — the weights, not the arithmetic, bound their time — and larger batches compute the same numbers from the rounded
    /// weights held as float32. Opt in after measuring what the rounding costs on your data: on MNIST it moved the test
    /// negative ELBO by less than 0.1 nats (benchmarks/RESULTS.md).</summary>
    BFloat16,
}
