using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.Webhooks;

public sealed class WebhookOptionsTests
{
    [Theory]
    [InlineData("Webhooks:Kintell:Secrets", "", "Webhooks:Kintell:Secrets")]
    [InlineData("WebhookQueueName", "Bad_Name", "WebhookQueueName must be a valid Azure Storage queue name")]
    [InlineData("Webhooks:RetentionHours", "24", "RetentionHours")]
    [InlineData("Webhooks:MaxAttempts", "0", "MaxAttempts")]
    [InlineData("Webhooks:RequeueAfterSeconds", "5", "RequeueAfterSeconds")]
    [InlineData("Webhooks:TransientRetryMaxSeconds", "2", "Webhooks:TransientRetryMaxSeconds must be at least Webhooks:TransientRetryFirstSeconds")]
    public async Task InvalidSettingsStopTheAppAtStartUpWithAClearMessage(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestApp.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
