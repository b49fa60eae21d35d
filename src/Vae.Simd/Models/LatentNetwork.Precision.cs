using Vae.Simd.Layers;

namespace Vae.Simd.Models;

internal abstract partial class LatentNetwork
{
    /// <summary>The bfloat16 or int8 copy that inference reads, or null for the float32 weights.</summary>
    private TransposedWeights? _reduced;
    private bool _training;

    /// <summary>What the forward passes of inference read: float32 weights, or the same rounded to bfloat16 or quantized to int8.</summary>
    public InferencePrecision InferencePrecision => _reduced?.Precision ?? InferencePrecision.Float32;

    /// <summary>Switches the inference forward passes to <paramref name="precision"/>, making (or dropping) the rounded copy.</summary>
    public void SetInferencePrecision(InferencePrecision precision)
    {
        switch (precision)
        {
            case InferencePrecision.Float32:
                _reduced = null;
                break;
            case InferencePrecision.BFloat16 or InferencePrecision.Int8:
                var copy = _reduced?.Precision == precision ? _reduced : new TransposedWeights(Linears, precision);
                copy.RoundedFrom(Transposed);
                _reduced = copy;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown inference precision: Float32, BFloat16 or Int8");
        }
    }

    /// <summary>The weights a forward pass reads: float32 when it computes gradients, when <paramref name="ws"/> asks for exact
    /// weights, or while training runs (the rounded copy is refreshed when it ends); otherwise the inference precision's.</summary>
    internal TransposedWeights ForwardWeights(NetworkWorkspace ws, bool withGradient = false)
        => withGradient || ws.ExactWeights || _training || _reduced is null ? Transposed : _reduced;

    /// <summary>Until the returned scope ends, every forward pass reads the float32 weights that training updates (validation
    /// included), and the rounded copy is not refreshed after each step; at the end it is rounded once from the result.</summary>
    public TrainingScope BeginTraining()
    {
        _training = true;
        return new TrainingScope(this);
    }

    internal readonly struct TrainingScope(LatentNetwork network) : IDisposable
    {
        public void Dispose()
        {
            network._training = false;
            network._reduced?.RoundedFrom(network.Transposed);
        }
    }

    protected override void DerivedWeightsChanged()
    {
        if (!_training) _reduced?.RoundedFrom(Transposed);
    }
}
