using Vae.Cli;
using Vae.Simd;
using Vae.Simd.Data;
using Vae.Simd.Evaluation;

namespace Vae.Simd.Tests.Evaluation;

public class MnistClassifierTests
{
    /// <summary>The judge of the sample-quality metrics must be a good classifier, or its FID means little.
    /// This trains it exactly as the CLI does, on the MNIST copy in data/mnist (about 20 s on 2 cores).</summary>
    [Fact]
    public void The_judge_classifier_reaches_98_percent_on_the_MNIST_test_set()
    {
        var pair = Dataset.LoadMnist(VaeCommand.DefaultDataDirectory());
        var classifier = new Classifier(ClassifierCache.Sizes(pair.Train.Features), seed: 1);
        ClassifierTrainer.Train(classifier, pair.Train, new ClassifierTrainingOptions { Threads = 2 });
        using var ws = classifier.CreateWorkspace(500, threads: 2);
        double accuracy = classifier.Accuracy(pair.Test.Matrix, pair.Test.Labels, ws);
        Assert.True(accuracy >= 0.98, $"test accuracy {accuracy:P2} is below 98 %");
    }
}
