namespace Vae.Simd;

/// <summary>The weights a model's inference calls read (<see cref="LatentModel.InferencePrecision"/>). Arithmetic is float32 for
/// float32 and bfloat16 weights, integer for int8; training always reads and updates float32 weights.</summary>
public enum InferencePrecision
{
    /// <summary>The trained float32 weights, exactly (the default).</summary>
    Float32,
    /// <summary>The weights rounded to the nearest bfloat16 (8 significant bits). The calls of one to four rows read half the
    /// bytes — the weights, not the arithmetic, bound their time — and larger batches compute the same numbers from the rounded
    /// weights held as float32. Opt in after measuring what the rounding costs on your data: on MNIST it moved the test
    /// negative ELBO by less than 0.1 nats (benchmarks/RESULTS.md).</summary>
    BFloat16,
    /// <summary>
    /// The weights quantized to int8, each output unit's with its own scale (its largest magnitude / 127), and each layer's
    /// input quantized the same way, row by row, as it arrives: a quarter of the float32 bytes, and on x86 processors with
    /// AVX-VNNI one instruction per 32 multiply-adds (with AVX2 alone, 16-bit multiply-adds of pairs; on Arm64, its dot
    /// product where it has one; elsewhere a portable kernel, slower than float32). On x86 with AVX2, rows without negative
    /// values (a ReLU's output, images) skip each group of four consecutive inputs that is zero in the row (for a batch, in
    /// every row of a block of four): with an image's background skipped, MNIST's test images ran 1.25× faster than dense
    /// noise in a 1000-row reconstruct and 1.45× faster one at a time (Zen 5). The
    /// sums are exact integers and the result has the same bits on every processor and at every batch size. The error is
    /// larger than bfloat16's: measure it on your data (on MNIST it moved the test negative ELBO by 0.03 nats,
    /// benchmarks/RESULTS.md). A layer may have at most 66,000 inputs (so that the integer sums cannot overflow); setting Int8
    /// on a wider model throws <see cref="NotSupportedException"/>.
    /// </summary>
    Int8,
}
