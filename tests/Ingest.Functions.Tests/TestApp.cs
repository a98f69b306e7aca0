using Azure.Storage.Queues;
using Impact.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Ingest.Tests;

/// <summary>
/// The Functions app's services as <c>Program.cs</c> registers them, over a fresh database and a queue of
/// the test's own, so function classes can be created and their methods called the way the worker does.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string KintellSecret = "kintell-test-secret";
    public const string StandardSecret = "whsec_dGVzdC1zdGFuZGFyZC13ZWJob29rcy1zZWNyZXQ=";

    private readonly IHost host;
    private readonly bool ownsDatabase;

    private TestApp(TestDatabase database, IHost host, string queueName, bool ownsDatabase)
    {
        Database = database;
        this.ownsDatabase = ownsDatabase;
        this.host = host;
        QueueName = queueName;
        Queue = TestStorage.Queues().GetQueueClient(queueName);
        PoisonQueue = TestStorage.Queues().GetQueueClient(queueName + "-poison");
    }

    public TestDatabase Database { get; }

    public IServiceProvider Services => host.Services;

    public string QueueName { get; }

    public QueueClient Queue { get; }

    public QueueClient PoisonQueue { get; }

    /// <summary>
    /// Starts the app over a fresh database, or over <paramref name="sharedDatabase"/> (another app's: a second instance of
    /// the same deployment; the database then stays until its owner is disposed).
    /// </summary>
    public static async Task<TestApp> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null,
        TestDatabase? sharedDatabase = null)
    {
        var database = sharedDatabase ?? await TestDatabase.CreateAsync();
        var queueName = TestStorage.UniqueName("wh");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(database.ConnectionString, new Dictionary<string, string?>
        {
            ["WebhookQueueName"] = queueName,
            ["Webhooks:Kintell:Secrets"] = $"{KintellSecret} {StandardSecret}",
            ["Webhooks:SweepAfterSeconds"] = "0",
            // Texts of rated feedback go to a queue of the test's own too.
            ["TextQueueName"] = TestStorage.UniqueName("tx"),
        }));
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddFunctionsAppServices();
        services?.Invoke(builder.Services);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            if (sharedDatabase is null)
            {
                await database.DisposeAsync();
            }

            throw;
        }

        var app = new TestApp(database, host, queueName, sharedDatabase is null);
        await app.Queue.CreateIfNotExistsAsync();
        await app.PoisonQueue.CreateIfNotExistsAsync();
        return app;
    }

    /// <summary>A function class built by DI, as the worker builds it.</summary>
    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(host.Services);

    public T Service<T>() where T : notnull => host.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        var textQueue = Service<Microsoft.Extensions.Options.IOptions<Impact.Shared.Feedback.Pipeline.TextQueueOptions>>().Value.TextQueueName;
        await host.StopAsync();
        host.Dispose();
        await Queue.DeleteIfExistsAsync();
        await PoisonQueue.DeleteIfExistsAsync();
        await TestStorage.Queues().GetQueueClient(textQueue).DeleteIfExistsAsync();
        await TestStorage.Queues().GetQueueClient(textQueue + "-poison").DeleteIfExistsAsync();
        if (ownsDatabase)
        {
            await Database.DisposeAsync();
        }
    }
}
