using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Impact.Shared.Feedback.Models;

/// <summary>Syncs models.yaml into the registry at start-up. A failure (database not reachable yet) is logged, and the first use syncs again.</summary>
public sealed partial class ModelRegistrySync(ModelRegistry registry, ILogger<ModelRegistrySync> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await registry.EnsureSyncedAsync(cancellationToken);
        }
        catch (FormatException e)
        {
            // A broken models.yaml is a deployment mistake: stop with its message.
            throw new InvalidOperationException(e.Message, e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSyncFailed(logger, e.GetType().Name);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model registry sync at start-up failed ({ErrorKind}); it runs again on first use")]
    private static partial void LogSyncFailed(ILogger logger, string errorKind);
}
