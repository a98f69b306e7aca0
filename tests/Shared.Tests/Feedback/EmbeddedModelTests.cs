using Impact.Shared.Feedback.Corpus;
using Impact.Shared.Feedback.Embedded;
using Impact.TestSupport;

namespace Impact.Shared.Tests.Feedback;

public sealed class EmbeddedModelTests
{
    [Fact]
    public void TheCommittedModelIsExactlyWhatTrainingOnTheTrainingSplitProduces()
    {
        var trained = EmbeddedModelTrainer.Train(FeedbackCorpus.Training).ToJson();
        var committed = File.ReadAllText(Path.Combine(LocalServices.RepositoryRoot, EmbeddedModel.RepositoryPath));

        // If this fails after a corpus change: dotnet run --project tools/Q2Q -- train, rebuild, commit the model.
        Assert.True(trained == committed, "model.json is not what `tools/Q2Q train` produces from the training split");
        Assert.Equal(committed, EmbeddedModel.LoadEmbedded().ToJson());
    }

    [Fact]
    public void TheModelWasTrainedOnTheLabelledTrainingTextsAndNoHeldOutOne()
    {
        var model = EmbeddedModel.LoadEmbedded();
        var heldOut = FeedbackCorpus.HeldOut.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

        Assert.DoesNotContain(model.TrainingIds, heldOut.Contains);
        Assert.Equal(FeedbackCorpus.Training.Where(r => !r.IsDecoy).Select(r => r.Id).Order(StringComparer.Ordinal), model.TrainingIds);
        Assert.Equal(EmbeddedModelTrainer.TrainedKeys, model.Labels.Select(l => l.Key));
    }

    [Fact]
    public void TheTrainerRefusesAHeldOutText()
    {
        var records = FeedbackCorpus.Training.Take(50).Append(FeedbackCorpus.HeldOut.First(r => !r.IsDecoy));
        var e = Assert.Throws<ArgumentException>(() => EmbeddedModelTrainer.Train(records));
        Assert.Contains(CorpusSplit.Train, e.Message, StringComparison.Ordinal);
    }
}
