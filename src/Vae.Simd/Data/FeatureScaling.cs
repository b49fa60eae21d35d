using Vae.Simd.Tensors;

namespace Vae.Simd;

/// <summary>How a <see cref="FeatureScaling"/> was made (recorded in checkpoints by name).</summary>
internal enum ScalingKind
{
    /// <summary>Values are used as they are.</summary>
    None,
    /// <summary><see cref="FeatureScaling.Standardize"/>.</summary>
    Standardize,
    /// <summary><see cref="FeatureScaling.MinMax"/>.</summary>
    MinMax,
    /// <summary>Offsets and scales given by the caller.</summary>
    Custom,
}

/// <summary>
/// A per-feature affine map x' = (x − offset) / scale, fitted on the training data and kept with the model
/// (<see cref="LatentModel.Scaling"/>, saved in its checkpoint) so that every later use of the model sees new data in the units
/// it was trained in. A feature that is constant in the training data gets scale 1: it is centred, not blown up.
/// </summary>
public sealed class FeatureScaling
{
    private readonly float[] _offsets;
    private readonly float[] _scales;

    /// <summary>How the map was made.</summary>
    internal ScalingKind Kind { get; }

    /// <summary>Values per row.</summary>
    public int Features => _offsets.Length;

    /// <summary>What is subtracted from each feature.</summary>
    public ReadOnlySpan<float> Offsets => _offsets;

    /// <summary>What each feature is then divided by (always positive and finite).</summary>
    public ReadOnlySpan<float> Scales => _scales;

    /// <summary>A map from explicit offsets and scales: one of each per feature, finite, scales &gt; 0.</summary>
    public FeatureScaling(ReadOnlySpan<float> offsets, ReadOnlySpan<float> scales) : this(ScalingKind.Custom, offsets, scales) { }

    internal FeatureScaling(ScalingKind kind, ReadOnlySpan<float> offsets, ReadOnlySpan<float> scales)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown scaling kind");
        if (offsets.IsEmpty) throw new ArgumentException("a scaling needs at least one feature", nameof(offsets));
        if (offsets.Length != scales.Length)
            throw new ArgumentException($"{offsets.Length} offsets but {scales.Length} scales; give one of each per feature", nameof(scales));
        for (int j = 0; j < offsets.Length; j++)
        {
            if (!float.IsFinite(offsets[j])) throw new ArgumentException($"offset {j} is {offsets[j]}; offsets must be finite", nameof(offsets));
            if (!(scales[j] > 0) || !float.IsFinite(scales[j])) throw new ArgumentException($"scale {j} is {scales[j]}; scales must be positive and finite", nameof(scales));
        }
        (Kind, _offsets, _scales) = (kind, offsets.ToArray(), scales.ToArray());
    }

    /// <summary>(x − mean) / standard deviation, both of <paramref name="data"/> (the training rows): every feature gets mean 0 and
    /// spread 1, which is what <see cref="Likelihood.GaussianLearnedVariance"/> and the default initialisation expect of
    /// real-valued data.</summary>
    public static FeatureScaling Standardize(Dataset data) => Fit(data, ScalingKind.Standardize);

    /// <summary>(x − min) / (max − min) of <paramref name="data"/> (the training rows): they fill [0, 1]; new data may fall outside.</summary>
    public static FeatureScaling MinMax(Dataset data) => Fit(data, ScalingKind.MinMax);

    /// <summary>Fits <paramref name="kind"/> on <paramref name="data"/> (in double, one pass per statistic). <see cref="ScalingKind.None"/>
    /// gives the identity map.</summary>
    internal static FeatureScaling Fit(Dataset data, ScalingKind kind)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!Enum.IsDefined(kind) || kind == ScalingKind.Custom) throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown scaling kind");
        if (data.Count == 0) throw new ArgumentException("cannot fit a scaling on no rows", nameof(data));
        int d = data.Features;
        var offsets = new float[d];
        var scales = new float[d];
        Array.Fill(scales, 1f);
        if (kind == ScalingKind.Standardize)
        {
            var sum = new double[d];
            for (int i = 0; i < data.Count; i++)
            {
                ReadOnlySpan<float> row = data.Row(i);
                for (int j = 0; j < d; j++) sum[j] += row[j];
            }
            var mean = Array.ConvertAll(sum, s => s / data.Count);
            var squares = new double[d];
            for (int i = 0; i < data.Count; i++)
            {
                ReadOnlySpan<float> row = data.Row(i);
                for (int j = 0; j < d; j++)
                {
                    double deviation = row[j] - mean[j];
                    if (Math.Abs(deviation) > float.MaxValue) throw Unscalable(j, $"row {i} lies {deviation:G3} from the column's mean");
                    squares[j] += deviation * deviation;
                }
            }
            for (int j = 0; j < d; j++)
            {
                offsets[j] = (float)mean[j];
                scales[j] = Spread(Math.Sqrt(squares[j] / data.Count), mean[j]);
            }
        }
        else if (kind == ScalingKind.MinMax)
        {
            var min = data.Row(0).ToArray();
            var max = data.Row(0).ToArray();
            for (int i = 1; i < data.Count; i++)
            {
                ReadOnlySpan<float> row = data.Row(i);
                for (int j = 0; j < d; j++) { min[j] = Math.Min(min[j], row[j]); max[j] = Math.Max(max[j], row[j]); }
            }
            for (int j = 0; j < d; j++)
            {
                if ((double)max[j] - min[j] > float.MaxValue) throw Unscalable(j, $"it spans {min[j]:G3} to {max[j]:G3}");
                offsets[j] = min[j];
                scales[j] = Spread((double)max[j] - min[j], min[j]);
            }
        }
        return new FeatureScaling(kind, offsets, scales);
    }

    // x − offset is computed in float32 when the scaling is applied: beyond float32's range it would be ±∞ whatever the scale.
    private static ArgumentException Unscalable(int feature, string why)
        => new($"feature {feature} cannot be scaled: {why}, more than float32 holds (about 3.4e38), so its scaled values would be infinite; rescale that column first", "data");

    // A spread within a few float ulps of the feature's own size is rounding, not data: dividing by it would blow noise up.
    private static float Spread(double spread, double location)
        => spread > 4.0 / (1 << 23) * Math.Abs(location) && spread > 1e-30 && spread < float.MaxValue ? (float)spread : 1f;

    /// <summary>A copy of <paramref name="data"/> in scaled units (labels and image shape kept).</summary>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireFeatures(data.Features, nameof(data));
        var values = data.Values.AsSpan().ToArray();
        Apply(values);
        return new Dataset(values, data.Features, data.LabelValues, data.ImageHeight, data.ImageWidth, "the scaled data", Math.Max(data.ImageChannels, 1));
    }

    /// <summary>Scales rows in place (whole rows of <see cref="Features"/> values).</summary>
    public void Apply(Span<float> rows)
    {
        int count = Rows(rows.Length, nameof(rows));
        for (int i = 0; i < count; i++)
        {
            Span<float> row = rows.Slice(i * Features, Features);
            System.Numerics.Tensors.TensorPrimitives.Subtract(row, _offsets, row);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, _scales, row);
        }
    }

    /// <summary>The inverse map, in place: scaled rows (a decoder's output, a reconstruction) back to the data's units.</summary>
    public void Restore(Span<float> rows)
    {
        int count = Rows(rows.Length, nameof(rows));
        for (int i = 0; i < count; i++)
        {
            Span<float> row = rows.Slice(i * Features, Features);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(row, _scales, _offsets, row);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} scaling of {Features} features";

    internal void RequireFeatures(int features, string name)
    {
        if (features != Features)
            throw new ArgumentException($"{name} has {features} values per row but the scaling was fitted on {Features}", name);
    }

    private int Rows(int length, string name)
    {
        if (length % Features != 0)
            throw new ArgumentException($"{name} has {length} values, not a whole number of rows of {Features}", name);
        return length / Features;
    }
}
