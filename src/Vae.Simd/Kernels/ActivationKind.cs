namespace Vae.Simd;

/// <summary>The nonlinearities between linear layers.</summary>
public enum ActivationKind
{
    /// <summary>max(x, 0).</summary>
    ReLU,
    /// <summary>x for x &gt; 0, else 0.01·x (PyTorch's default slope).</summary>
    LeakyReLU,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Logistic function 1 / (1 + e^−x).</summary>
    Sigmoid,
    /// <summary>No nonlinearity (x): every layer stays linear, so the whole encoder and decoder are affine maps
    /// (the lecture's "linear VAE" read literally).</summary>
    Identity,
}
