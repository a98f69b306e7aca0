using Impact.Shared.Database;
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
        return builder;
    }
}
