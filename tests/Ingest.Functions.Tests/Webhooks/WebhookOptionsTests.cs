using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.Webhooks;

public sealed class WebhookOptionsTests
{
    [Theory]
    [InlineData("Webhooks:Kintell:Secrets", "", "Webhooks:Kintell:Secrets")]
    [InlineData("WebhookQueueName", "Bad_Name", "WebhookQueueName must be a valid Azure Storage queue name")]
    [InlineData("Webhooks:RetentionHours", "24", "RetentionHours")]
    public async Task InvalidSettingsStopTheAppAtStartUpWithAClearMessage(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestApp.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
