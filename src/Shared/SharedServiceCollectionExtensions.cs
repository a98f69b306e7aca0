using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Impact.Shared.Database;
using Impact.Shared.Events;
using Impact.Shared.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared;

/// <summary>Registers what every host of this solution needs.</summary>
public static class SharedServiceCollectionExtensions
{
    /// <summary>
    /// One <see cref="NpgsqlDataSource"/>, storage clients and a <see cref="TimeProvider"/>,
    /// with options validated at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddShared(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PostgresOptions>()
            .BindConfiguration(PostgresOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgresOptions>>().Value;
            return new NpgsqlDataSourceBuilder(options.ConnectionString).Build();
        });
        builder.Services.AddSingleton(sp => StorageClients.CreateQueueService(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton(sp => StorageClients.CreateBlobService(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton(TimeProvider.System);

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
