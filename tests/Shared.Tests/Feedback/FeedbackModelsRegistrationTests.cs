using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Embedded;
using Impact.Shared.Feedback.Language;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Shared.Tests.Feedback;

public sealed class FeedbackModelsRegistrationTests
{
    [Fact]
    public void RegistersTheDetectorAndTheEmbeddedClassifierOnceEvenWhenCalledTwice()
    {
        var services = new ServiceCollection().AddFeedbackModels().AddFeedbackModels();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<LinguaLanguageDetector>(provider.GetRequiredService<ILanguageDetector>());
        var classifier = Assert.Single(provider.GetServices<IOutcomeClassifier>());
        Assert.Same(provider.GetRequiredService<EmbeddedOutcomeClassifier>(), classifier);
        Assert.Equal("embedded", classifier.Provider);
    }
}
