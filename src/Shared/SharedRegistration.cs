using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Impact.Shared.Backfill;
using Impact.Shared.Cohorts;
using Impact.Shared.Database;
using Impact.Shared.Events;
using Impact.Shared.Idempotency;
using Impact.Shared.Feedback;
using Impact.Shared.ImpactIn;
using Impact.Shared.Journeys;
using Impact.Shared.Privacy;
using Impact.Shared.Storage;
using Impact.Shared.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared;

/// <summary>Registers what the hosts of this solution need; each method is called once per host.</summary>
public static class SharedRegistration
{
    /// <summary>
    /// Everything the Functions app and its durable workers use from Shared: PostgreSQL and the
    /// clock, storage clients, the Service Bus relay, then each feature's own registration, once.
    /// </summary>
    public static IHostApplicationBuilder AddShared(this IHostApplicationBuilder builder)
    {
        builder.AddCore();
        builder.AddStorage();
        builder.AddEventRelay();
        builder.AddWebhooks();
        builder.AddBackfill();
        builder.AddPrivacy();
        builder.AddImpactIn();
        builder.AddFeedback();
        builder.AddQ2QMonitoring();
        builder.AddJourneys();
        builder.AddCohorts();
        builder.AddIdempotency();
        return builder;
    }

    /// <summary>
    /// What every host needs (the SSE host needs nothing more): one <see cref="NpgsqlDataSource"/> over
    /// validated <see cref="PostgresOptions"/>, and the system clock as <see cref="TimeProvider"/>.
    /// </summary>
    public static IHostApplicationBuilder AddCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PostgresOptions>()
            .BindConfiguration(PostgresOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgresOptions>>().Value;
            var connection = new NpgsqlConnectionStringBuilder(options.ConnectionString) { MaxPoolSize = options.MaxPoolSize };
            return new NpgsqlDataSourceBuilder(connection.ConnectionString).Build();
        });
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>Queue and blob clients of the storage account in <c>AzureWebJobsStorage</c>.</summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => StorageClients.CreateQueueService(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton(sp => StorageClients.CreateBlobService(sp.GetRequiredService<IConfiguration>()));
        return builder;
    }

    /// <summary>The relay of the events table to Service Bus; the sender only when Service Bus is configured.</summary>
    public static IHostApplicationBuilder AddEventRelay(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServiceBusOptions>().BindConfiguration(ServiceBusOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ServiceBusRelay>();
        var serviceBus = builder.Configuration.GetSection(ServiceBusOptions.Section).Get<ServiceBusOptions>() ?? new ServiceBusOptions();
        if (serviceBus.Enabled)
        {
            // Only when configured: locally the relay is off and nothing needs a Service Bus.
            builder.Services.AddSingleton(_ => string.IsNullOrWhiteSpace(serviceBus.ConnectionString)
                ? new ServiceBusClient(serviceBus.FullyQualifiedNamespace, new DefaultAzureCredential(new DefaultAzureCredentialOptions
                {
                    ManagedIdentityClientId = builder.Configuration[$"{StorageClients.ConnectionName}:clientId"],
                }))
                : new ServiceBusClient(serviceBus.ConnectionString));
            builder.Services.AddSingleton(sp => sp.GetRequiredService<ServiceBusClient>().CreateSender(serviceBus.Topic));
        }

        return builder;
    }
}
