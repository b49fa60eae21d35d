using Vae.Simd.Layers;

namespace Vae.Simd.Models;

internal abstract partial class LatentNetwork
{
    private TransposedWeights? _bfloat16;
    private bool _training;

    /// <summary>What the forward passes of inference read: float32 weights, or the same rounded to bfloat16.</summary>
    public InferencePrecision InferencePrecision => _bfloat16 is null ? InferencePrecision.Float32 : InferencePrecision.BFloat16;

    /// <summary>Switches the inference forward passes to <paramref name="precision"/>, making (or dropping) the rounded copy.</summary>
    public void SetInferencePrecision(InferencePrecision precision)
    {
        switch (precision)
        {
            case InferencePrecision.Float32:
                _bfloat16 = null;
                break;
            case InferencePrecision.BFloat16:
                _bfloat16 ??= new TransposedWeights(Linears, bfloat16: true);
                _bfloat16.RoundedFrom(Transposed);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown inference precision: Float32 or BFloat16");
        }
    }

    /// <summary>The weights a forward pass reads: float32 when it computes gradients, when <paramref name="ws"/> asks for exact
    /// weights, or while training runs (the rounded copy is refreshed when it ends); otherwise the inference precision's.</summary>
    internal TransposedWeights ForwardWeights(NetworkWorkspace ws, bool withGradient = false)
        => withGradient || ws.ExactWeights || _training || _bfloat16 is null ? Transposed : _bfloat16;

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
            network._bfloat16?.RoundedFrom(network.Transposed);
        }
    }

    protected override void DerivedWeightsChanged()
    {
        if (!_training) _bfloat16?.RoundedFrom(Transposed);
    }
}
