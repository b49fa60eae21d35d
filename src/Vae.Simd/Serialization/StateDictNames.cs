namespace Vae.Simd;

/// <summary>How the tensors of a state dict are named (<see cref="LatentModel.LoadStateDict"/>).</summary>
public enum StateDictNames
{
    /// <summary>The PyTorch example's names when the file has <c>fc1.weight</c>, else Vae.Simd's.</summary>
    Auto,
    /// <summary>Vae.Simd's (what <see cref="LatentModel.Save"/> writes): <c>encoder.0.weight</c>, <c>encoder_mu.weight</c>,
    /// <c>encoder_logvar.weight</c>, <c>decoder.0.weight</c>, … — an <c>nn.Sequential</c> encoder and decoder.</summary>
    VaeSimd,
    /// <summary>The PyTorch VAE example's (pytorch/examples, vae/main.py): <c>fc1</c> (encoder), <c>fc21</c> (μ), <c>fc22</c> (log σ²),
    /// <c>fc3</c> and <c>fc4</c> (decoder). One hidden layer only.</summary>
    PyTorchExample,
}
