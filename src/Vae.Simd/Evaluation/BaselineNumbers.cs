namespace Vae.Simd.Evaluation;

/// <summary>What no model can beat and what any model should: real images' FID and entropy under the judge, and the MSE of
/// always answering the mean training image (a reconstruction that ignores its input).</summary>
internal sealed record BaselineNumbers(double RealFid, double RealEntropy, double MeanImageMse, int RealImages)
{
    public static BaselineNumbers Measure(Dataset train, Dataset test, Classifier judge, GaussianMoments reference, int samples, int threads)
    {
        var real = train.Take(samples);
        var quality = SampleQuality.Judge(real.Matrix, judge, reference, threads);
        int pixels = train.Features;
        var mean = new double[pixels];
        for (int i = 0; i < train.Count; i++)
        {
            var row = train.Matrix[i];
            for (int j = 0; j < pixels; j++) mean[j] += row[j];
        }
        for (int j = 0; j < pixels; j++) mean[j] /= train.Count;
        double error = 0;
        for (int i = 0; i < test.Count; i++)
        {
            var row = test.Matrix[i];
            for (int j = 0; j < pixels; j++) error += (row[j] - mean[j]) * (row[j] - mean[j]);
        }
        return new BaselineNumbers(quality.Fid, quality.MeanEntropy, error / ((double)test.Count * pixels), real.Count);
    }
}
